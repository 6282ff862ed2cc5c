"""Load the synthetic demo community 明珠社区 through the same code paths as a user's files."""

import logging
from pathlib import Path

from .communities import import_community
from .demo_cases import load_demo_cases
from .importing import import_layer
from .people import import_people
from .sites import import_activities, import_sites

logger = logging.getLogger(__name__)

# The checkout's layers/ beside geo_app/; an installed package has none, and reads ./layers (the image's /app/layers).
CHECKOUT_LAYERS_DIR = Path(__file__).resolve().parents[2] / "layers"
DEFAULT_LAYERS_DIR = CHECKOUT_LAYERS_DIR if CHECKOUT_LAYERS_DIR.is_dir() else Path("layers")
UNIT_FILES = (("street", "streets.geojson"), ("lane", "lanes.geojson"), ("shop", "shops.geojson"),
              ("building", "buildings.geojson"), ("grid", "grids.geojson"))


def load_demo(session, layers_dir=None, policy=None, with_cases=True):
    """Import the demo community's boundary, units, people, sites and activities; return summary lines."""
    folder = Path(layers_dir) if layers_dir else DEFAULT_LAYERS_DIR
    code = import_community(session, folder / "community.geojson")
    lines = [f"community {code}"]
    for kind, filename in UNIT_FILES:
        counts = import_layer(session, folder / filename, kind, code, progress=False)
        lines.append(f"{kind}: {counts['features']} features ({counts['inserted']} new)")
    people = import_people(session, folder / "people.csv", code)
    lines.append(f"people: {people['rows']} responsibilities")
    lines.append(f"sites: {import_sites(session, folder / 'sites.geojson', code)}")
    lines.append(f"site activities: {import_activities(session, folder / 'site_activities.csv', code)}")
    if with_cases:
        lines += load_demo_cases(session, policy)
    return lines


DEMO_ACCOUNTS = (
    # username, role, password, building whose 楼栋长 a chief acts for
    ("admin", "admin", "mingzhu-guanliyuan", None),
    ("cadre", "cadre", "mingzhu-shequganbu", None),
    ("chief", "chief", "mingzhu-loudongzhang", "BD01"),
)


def create_demo_accounts(session, community_code="mingzhu"):
    """Create the demo's admin, cadre and chief accounts (once); return (username, role, password, note) rows."""
    from sqlalchemy import select, text

    from ..models import User
    from .accounts import add_user

    rows = []
    for username, role, password, building in DEMO_ACCOUNTS:
        person_id, note = None, ""
        if building:
            person_id, note = session.execute(text(
                "SELECT p.id, p.name FROM responsibility r JOIN person p ON p.id = r.person_id JOIN unit u ON u.id = r.unit_id "
                "WHERE u.code = :b AND r.role = 'building_chief' AND r.until IS NULL ORDER BY r.id LIMIT 1"),
                {"b": building}).one()
            note = f"{building} 楼栋长 {note}"
        if not session.scalars(select(User).where(User.username == username)).first():
            add_user(session, username, role, password, community_code=None if role == "admin" else community_code,
                     person_id=person_id, actor="demo")
        rows.append((username, role, password, note))
    return rows
