"""Factories for cases at known places of the demo community."""

from tests.helpers import demo_features, demo_people, interior_point

BUILDINGS = {p["code"]: g for p, g in demo_features("buildings.geojson")}
SHOPS = {p["code"]: g for p, g in demo_features("shops.geojson")}
CHIEFS = {(r["role"], r["unit_code"]): r["name"] for r in demo_people() if not r.get("until")}


def point_in_building(code="BD03"):
    lon, lat = interior_point(BUILDINGS[code])
    return {"lat": lat, "lon": lon}


def point_in_shop(code="SH01"):
    lon, lat = interior_point(SHOPS[code])
    return {"lat": lat, "lon": lon}


def gap_point():
    """A point in the plaza no unit or grid covers (see layers/README.md)."""
    return {"lat": 22.9666735, "lon": 115.3249236}


def case_body(**overrides):
    body = {"title": "楼道电动车充电", "description": "三楼楼道有电动车充电", "channel": "resident",
            "category": "hazard", **point_in_building(), "reporter_name": "王小明", "reporter_phone": "13912345678",
            "household": "BD03-301"}
    body.update(overrides)
    return body


def case_in(**overrides):
    """A validated new case, as the services take it."""
    from geo_app.schemas import CaseIn

    return CaseIn(**case_body(**overrides))


def change(action, version, **extra):
    """A validated workflow action, as the services take it."""
    from geo_app.schemas import TransitionIn

    return TransitionIn(action=action, version=version, **extra)
