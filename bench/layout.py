"""Where the synthetic city lies: a grid of communities, each a grid of building cells.

Pure geometry, no randomness: communities are placed on a grid of tiles covering 22.9–23.1 N,
115.2–115.5 E, every community the same size and centred in its tile. Inside a community the
building cells (CELL_M square) form an ``nx × ny`` grid with a one-cell border; a street is a band
of LANE_COLS cell columns, a lane a LANE_ROWS-row stretch of a street, a grid (网格) a quadrant.
"""

import math
from dataclasses import dataclass

METRES_PER_DEG_LAT = 111_320.0
COS_LAT = math.cos(math.radians(23.0))
REGION = (115.2, 22.9, 115.5, 23.1)  # minlon, minlat, maxlon, maxlat
CELL_M = 30.0
LANE_COLS = 4
LANE_ROWS = 5


DEFAULT_SEED = 20240724


@dataclass(frozen=True)
class Spec:
    """The size of a generated dataset; the same spec and seed always give the same rows."""

    communities: int
    buildings: int
    cases: int
    sites: int
    seed: int = DEFAULT_SEED

    def buildings_in(self, community):
        """Return how many buildings community number ``community`` (0-based) holds."""
        base, extra = divmod(self.buildings, self.communities)
        return base + (1 if community < extra else 0)


SCALES = {
    "tiny": Spec(communities=2, buildings=120, cases=1_500, sites=40),
    "small": Spec(communities=5, buildings=5_000, cases=50_000, sites=5_000),
    "city": Spec(communities=100, buildings=100_000, cases=1_000_000, sites=100_000),
}


def _round_up(value, step):
    return max(step, int(math.ceil(value / step)) * step)


@dataclass(frozen=True)
class Layout:
    """The geometry shared by every community of a spec (all communities are the same size)."""

    spec: Spec

    @property
    def cell_lat(self):
        return CELL_M / METRES_PER_DEG_LAT

    @property
    def cell_lon(self):
        return CELL_M / (METRES_PER_DEG_LAT * COS_LAT)

    @property
    def nx(self):
        """Building-cell columns per community (a multiple of LANE_COLS)."""
        most = math.ceil(self.spec.buildings / self.spec.communities)
        return _round_up(math.sqrt(max(most, 1)), LANE_COLS)

    @property
    def ny(self):
        """Building-cell rows per community (a multiple of LANE_ROWS)."""
        most = math.ceil(self.spec.buildings / self.spec.communities)
        return _round_up(max(most, 1) / self.nx, LANE_ROWS)

    @property
    def streets(self):
        return self.nx // LANE_COLS

    @property
    def lanes_per_street(self):
        return self.ny // LANE_ROWS

    @property
    def grid_cols(self):
        """Communities per row of tiles."""
        width_m = (REGION[2] - REGION[0]) * METRES_PER_DEG_LAT * COS_LAT
        height_m = (REGION[3] - REGION[1]) * METRES_PER_DEG_LAT
        return max(1, math.ceil(math.sqrt(self.spec.communities * width_m / height_m)))

    @property
    def grid_rows(self):
        return math.ceil(self.spec.communities / self.grid_cols)

    @property
    def tile_lon(self):
        return (REGION[2] - REGION[0]) / self.grid_cols

    @property
    def tile_lat(self):
        return (REGION[3] - REGION[1]) / self.grid_rows

    @property
    def extent_lon(self):
        """Width of a community in degrees: its cells plus a one-cell border each side."""
        return (self.nx + 2) * self.cell_lon

    @property
    def extent_lat(self):
        return (self.ny + 2) * self.cell_lat

    def check(self):
        """Refuse a spec whose communities would not fit in their tiles."""
        if self.extent_lon > self.tile_lon or self.extent_lat > self.tile_lat:
            raise ValueError(f"{self.spec}: a community ({self.extent_lon:.4f}° × {self.extent_lat:.4f}°) does not "
                             f"fit its tile ({self.tile_lon:.4f}° × {self.tile_lat:.4f}°); use more communities")
        return self

    def community_extent(self, community):
        """Return (minlon, minlat, maxlon, maxlat) of a community's boundary."""
        col, row = community % self.grid_cols, community // self.grid_cols
        minlon = REGION[0] + col * self.tile_lon + (self.tile_lon - self.extent_lon) / 2
        minlat = REGION[1] + row * self.tile_lat + (self.tile_lat - self.extent_lat) / 2
        return (minlon, minlat, minlon + self.extent_lon, minlat + self.extent_lat)

    def cell_origin(self, community):
        """Return the (lon, lat) of the south-west corner of a community's building-cell grid."""
        minlon, minlat, _, _ = self.community_extent(community)
        return (minlon + self.cell_lon, minlat + self.cell_lat)

    def random_point_sql(self):
        """Return pgbench `\\set` lines drawing :lon/:lat uniformly inside a random community's boundary."""
        minlon, minlat, _, _ = self.community_extent(0)
        return "\n".join([
            f"\\set ci random(0, {self.spec.communities - 1})",
            f"\\set lon {minlon!r} + (:ci % {self.grid_cols}) * {self.tile_lon!r} "
            f"+ random(0, 999999) / 1000000.0 * {self.extent_lon!r}",
            f"\\set lat {minlat!r} + (:ci / {self.grid_cols}) * {self.tile_lat!r} "
            f"+ random(0, 999999) / 1000000.0 * {self.extent_lat!r}",
        ])

    def random_points(self, rng, n):
        """Return n (lon, lat) drawn like random_point_sql: uniformly inside random communities."""
        minlon, minlat, _, _ = self.community_extent(0)
        community = rng.integers(0, self.spec.communities, n)
        lon = minlon + (community % self.grid_cols) * self.tile_lon + rng.random(n) * self.extent_lon
        lat = minlat + (community // self.grid_cols) * self.tile_lat + rng.random(n) * self.extent_lat
        return list(zip(lon.tolist(), lat.tolist(), strict=True))
