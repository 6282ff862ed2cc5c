"""Check the PostGIS lookup chain against a shapely STRtree of the same polygons."""

import numpy as np
import shapely
from shapely import STRtree
from sqlalchemy import text

from geo_app.errors import NotFoundError
from geo_app.services.lookup import lookup


class Reference:
    """An STRtree over every unit of some kinds: which unit covers a point (smallest area, then lowest id)."""

    def __init__(self, session, kinds=("building", "lane")):
        rows = session.execute(text("SELECT id, kind, ST_AsBinary(geom) AS g FROM unit WHERE kind = ANY(:kinds) "
                                    "ORDER BY id"), {"kinds": list(kinds)}).all()
        self.ids = np.array([r.id for r in rows])
        self.kinds = np.array([r.kind for r in rows])
        self.geoms = shapely.from_wkb([bytes(r.g) for r in rows])
        self.areas = shapely.area(self.geoms)
        self.tree = STRtree(self.geoms)

    def covering(self, lon, lat, kind):
        """Return the id of the unit of this kind covering the point, or None."""
        hits = self.tree.query(shapely.Point(lon, lat), predicate="covered_by")
        hits = [i for i in hits if self.kinds[i] == kind]
        if not hits:
            return None
        return int(self.ids[min(hits, key=lambda i: (self.areas[i], self.ids[i]))])

    def inside_points(self, rng, n, kind="building"):
        """Return n points strictly inside random units of a kind (their centroids nudged a little)."""
        pool = np.flatnonzero(self.kinds == kind)
        picks = rng.choice(pool, size=min(n, len(pool)), replace=False)
        points = []
        for i in picks:
            x0, y0, x1, y1 = self.geoms[i].bounds
            u, v = rng.uniform(0.1, 0.9, 2)
            points.append((float(x0 + u * (x1 - x0)), float(y0 + v * (y1 - y0))))
        return points


def chain_unit(found, kind):
    """Return the id of the unit of a kind in a lookup's chain, or None."""
    return next((u["id"] for u in found["chain"] if u["kind"] == kind), None)


def disagreements(session, reference, points, kinds=("building", "lane")):
    """Return [(lon, lat, kind, chain id, STRtree id)] wherever lookup and the reference differ."""
    wrong = []
    for lon, lat in points:
        try:
            found = lookup(session, lon, lat)
        except NotFoundError:
            found = {"chain": []}
        for kind in kinds:
            got, expected = chain_unit(found, kind), reference.covering(lon, lat, kind)
            if got != expected:
                wrong.append((lon, lat, kind, got, expected))
        session.rollback()
    return wrong


def measure(url, layout, *, samples, seed):
    """Return a figure: the share of sampled points where lookup agrees with the STRtree (building and lane)."""
    from geo_app import create_app
    from geo_app.extensions import db

    from .report import Figure

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True})
    rng = np.random.default_rng([seed, 11])
    with app.app_context():
        reference = Reference(db.session)
        points = layout.random_points(rng, samples // 2) + reference.inside_points(rng, samples - samples // 2)
        wrong = disagreements(db.session, reference, points)
        db.session.remove()
        db.engine.dispose()
    share = 1 - len({(lon, lat) for lon, lat, *_ in wrong}) / len(points)
    note = f"{len(points)} points, half inside buildings; building and lane compared"
    if wrong:
        note += f"; first disagreement: {wrong[0]}"
    return Figure("lookup.agreement", share * 100, "%", target="100% agree with shapely STRtree", met=not wrong,
                  note=note)
