"""Factories for cases at known places of the demo community, and for a second community beside it."""

from dataclasses import dataclass

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


# A second community beside the demo's 明珠社区 (east of it, not overlapping), for scope tests.
COMMUNITY_B = "qiaodong"
B_BOUNDARY = (115.3350, 22.9620, 115.3450, 22.9700)  # minlon, minlat, maxlon, maxlat
B_BUILDINGS = {"QD-BD01": (115.3370, 22.9640), "QD-BD02": (115.3420, 22.9670)}  # centres of 0.001° squares
B_PEOPLE = (  # name, phone, role, unit code
    ("乔栋甲", "13700000001", "building_chief", "QD-BD01"),
    ("乔栋乙", "13700000002", "building_chief", "QD-BD02"),
    ("乔巷丙", "13700000003", "lane_chief", "QD-LN01"),
)
B_HOUSEHOLD = "QD-BD01-101"


@dataclass
class SecondCommunity:
    """What build_second_community made: codes, ids and places to probe with."""

    code: str
    id: int
    people: dict  # name → person id
    chief_person_id: int  # the 楼栋长 of QD-BD01, whom the chief account acts for
    case_codes: list
    cadre: str = "qd_cadre"
    chief: str = "qd_chief"
    household: str = B_HOUSEHOLD

    @staticmethod
    def point(building="QD-BD01"):
        lon, lat = B_BUILDINGS[building]
        return {"lat": lat, "lon": lon}


def _square(lon, lat, half):
    return f"SRID=4326;MULTIPOLYGON((({lon - half} {lat - half},{lon + half} {lat - half},{lon + half} {lat + half}," \
           f"{lon - half} {lat + half},{lon - half} {lat - half})))"


def build_second_community(session):
    """Add community B (boundary, a lane, two buildings and their chiefs, cases, points, a cadre and a chief account)."""
    from datetime import date

    from geo_app.models import Community, Person, Responsibility, Unit
    from geo_app.services.accounts import add_user
    from geo_app.services.cases import create_case
    from geo_app.services.points import earn

    minlon, minlat, maxlon, maxlat = B_BOUNDARY
    centre = ((minlon + maxlon) / 2, (minlat + maxlat) / 2)
    community = Community(code=COMMUNITY_B, name="桥东社区", town="海丰县海城镇",
                          boundary=_square(*centre, (maxlon - minlon) / 2))
    session.add(community)
    session.flush()
    units = {"QD-LN01": Unit(community_id=community.id, kind="lane", code="QD-LN01", name="桥东一巷",
                             natural_key="QD-LN01", geom=_square(*centre, 0.004))}
    for code, (lon, lat) in B_BUILDINGS.items():
        units[code] = Unit(community_id=community.id, kind="building", code=code, name=f"桥东{code[-2:]}栋",
                           natural_key=code, geom=_square(lon, lat, 0.0005))
    session.add_all(units.values())
    session.flush()
    people = {}
    for name, phone, role, unit_code in B_PEOPLE:
        person = Person(community_id=community.id, name=name, phone=phone, party_member=True, organisation="桥东社区党委")
        session.add(person)
        session.flush()
        session.add(Responsibility(community_id=community.id, unit_id=units[unit_code].id, person_id=person.id,
                                   role=role, since=date(2020, 1, 1)))
        people[name] = person.id
    session.flush()
    cases = []
    for building, title in (("QD-BD01", "桥东楼道堆物"), ("QD-BD01", "桥东漏水"), ("QD-BD02", "桥东噪音")):
        case, _ = create_case(session, case_in(title=title, household=B_HOUSEHOLD, reporter_name="乔住户",
                                               reporter_phone="13700000099", **SecondCommunity.point(building)))
        cases.append(case["code"])
    earn(session, community.id, B_HOUSEHOLD, 10, "志愿服务")
    add_user(session, "qd_cadre", "cadre", "qiaodong-cadre", community_code=COMMUNITY_B, actor="test")
    add_user(session, "qd_chief", "chief", "qiaodong-chief", community_code=COMMUNITY_B,
             person_id=people["乔栋甲"], actor="test")
    return SecondCommunity(COMMUNITY_B, community.id, people, people["乔栋甲"], cases)
