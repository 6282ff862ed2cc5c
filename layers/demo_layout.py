"""The plan of the synthetic demo community 明珠社区, in a local metric plane.

x runs east and y north, in metres, centred on 22.966 N, 115.325 E; generate_demo.py rotates the
plan by a few degrees, converts it to WGS-84 and rounds it.
"""

from shapely.geometry import Point, Polygon, box

ROAD_HALF_WIDTH = 5.0  # a street's roadway is 10 m wide, centred on its centre line
ALLEY_HALF_WIDTH = 2.0  # a lane's alley is 4 m wide, centred in its zone

# fmt: off
# Street responsibility zones: code -> (x0, x1, y0, y1, y of the roadway centre line).
# Neighbouring zones are 2-4 m apart so they never overlap, even after rounding.
STREETS = {
    "ST01": (-490, -12, 152, 400, 276),
    "ST02": (-8, 490, 152, 400, 276),
    "ST03": (-490, -2, -118, 150, 16),
    "ST04": (2, 490, -118, 150, 16),
    "ST05": (-490, 38, -400, -120, -260),
    "ST06": (42, 490, -400, -120, -260),
}

# 明珠广场: the open square no unit or grid covers; zones and grids keep 2 m away from it.
PLAZA_CUT = box(-42, 38, 42, 112)
PLAZA_CENTRE = (0.0, 75.0)
GRID_SPLIT_Y = 16.0  # the grids meet on the centre line of 龙津路/新园路

COMMUNITY = Polygon([
    (-505, 415), (-200, 425), (120, 418), (505, 412), (512, 150), (508, -140),
    (500, -412), (200, -420), (-150, -416), (-498, -410), (-506, -120), (-510, 160),
])

# Lane zones: code -> (street, side of the street "N"/"S", x at the street end, width, length, skew).
# A lane starts 1 m beyond its street's roadway; skew shifts its far end sideways (old lanes lean).
LANES = {
    "LN01": ("ST01", "N", -470, 44, 100, -6), "LN02": ("ST01", "N", -300, 40, 90, 4),
    "LN03": ("ST01", "S", -420, 46, 110, 5), "LN04": ("ST01", "S", -200, 42, 80, -3),
    "LN05": ("ST02", "N", 40, 44, 110, 7), "LN06": ("ST02", "N", 260, 40, 95, -5),
    "LN07": ("ST02", "S", 120, 46, 105, -4), "LN08": ("ST02", "S", 380, 42, 75, 6),
    "LN09": ("ST03", "N", -440, 44, 120, 3), "LN10": ("ST03", "N", -250, 40, 85, -7),
    "LN11": ("ST03", "S", -380, 46, 115, 6), "LN12": ("ST03", "S", -150, 42, 100, -5),
    "LN13": ("ST04", "N", 150, 44, 110, 5), "LN14": ("ST04", "S", 60, 46, 120, -6),
    "LN15": ("ST04", "S", 330, 42, 90, 4), "LN16": ("ST05", "N", -460, 44, 125, 5),
    "LN17": ("ST05", "N", -200, 40, 100, -4), "LN18": ("ST05", "S", -330, 46, 130, 7),
    "LN19": ("ST05", "S", -60, 42, 95, -6), "LN20": ("ST06", "N", 200, 44, 115, 4),
    "LN21": ("ST06", "S", 100, 46, 120, -5), "LN22": ("ST06", "S", 350, 42, 85, 3),
}

# Plots along each lane: lane -> [(code, side of the alley "W"/"E", from v0 to v1 metres along the lane)].
# Shops sit near the street end; buildings further in. BD01/BD02 share their whole common edge.
PLOTS = {
    "LN01": [("SH01", "E", 4, 16), ("BD01", "W", 30, 52), ("BD02", "W", 52, 74)],
    "LN02": [("SH02", "W", 4, 16), ("BD03", "E", 30, 52)],
    "LN03": [("SH03", "E", 4, 16), ("SH04", "W", 4, 16), ("BD04", "W", 40, 62)],
    "LN04": [("SH05", "W", 4, 15), ("BD13", "E", 30, 52)],
    "LN05": [("SH06", "E", 4, 16), ("BD05", "W", 25, 49), ("BD14", "E", 60, 82)],
    "LN06": [("SH07", "W", 4, 16), ("BD06", "E", 40, 62)],
    "LN07": [("SH08", "W", 4, 16), ("SH09", "E", 4, 16), ("BD15", "W", 50, 74)],
    "LN08": [("SH10", "E", 4, 16), ("BD16", "W", 25, 45)],
    "LN09": [("SH11", "W", 4, 16)],
    "LN10": [("SH12", "E", 4, 16), ("BD07", "W", 30, 52)],
    "LN11": [("SH13", "W", 4, 16), ("BD08", "E", 30, 54), ("BD17", "W", 70, 92)],
    "LN12": [("SH14", "E", 4, 16), ("BD09", "W", 35, 57)],
    "LN13": [("SH15", "W", 4, 16), ("SH16", "E", 4, 16), ("BD10", "E", 40, 64)],
    "LN14": [("SH17", "W", 4, 16), ("BD18", "E", 30, 52), ("BD11", "W", 70, 94)],
    "LN15": [("SH18", "E", 4, 16), ("BD19", "W", 30, 50)],
    "LN16": [("SH19", "W", 4, 16), ("BD12", "E", 40, 64)],
    "LN17": [("SH20", "E", 4, 16), ("BD20", "W", 30, 52)],
    "LN18": [("SH21", "W", 4, 16)],
    "LN19": [("SH22", "W", 4, 16)],
    "LN20": [("SH23", "E", 4, 16)],
    "LN21": [("SH24", "W", 4, 16)],
    "LN22": [],
}
SHOP_DEPTH = 10.0  # a shop is 10 m deep from the alley
ESTATE_NAMES = {"BD01": "明珠花园1栋", "BD02": "明珠花园2栋"}
CHIEF_BUILDINGS = [f"BD{i:02d}" for i in range(1, 13)]
ROLE_OF_KIND = {"street": "street_chief", "lane": "lane_chief", "shop": "shop_chief",
                "building": "building_chief", "grid": "grid_worker"}
OPEN_LANE, OPEN_LANE_UV = "LN09", (0.3, 95.0)  # LN09 has only a shop at its street end

MEMORIAL_XY = (-560, 290)  # just outside the community's north-west edge
CULTURE_STREET_M = 4000.0
CULTURE_WAYPOINTS = [
    (-610, 300), MEMORIAL_XY, (-530, 276), (-250, 276), (-12, 279), (480, 276), (535, 270),
    (540, 16), (45, 16), (0, 24), (-45, 16), (-480, 16), (-535, 10), (-540, -260),
    (470, -260), (525, -300),
]
CULTURE_LAST_HEADING = (0.0, -1.0)  # the final leg runs south past the south-east corner, cut to length

SITE_SHAPES = {
    "SI01": Point(MEMORIAL_XY),
    "SI03": Point(-300, 62),
    "SI04": box(-120, -232, -88, -206),
    "SI05": Point(20, 128),
    "SI06": Point(-292, 58),
    "SI07": Point(262, 26),
    "SI08": Point(-30, 128),
    "SI09": Point(64, 128),
}
# fmt: on
