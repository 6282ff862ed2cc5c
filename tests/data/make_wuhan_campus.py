"""Write the Wuhan campus files shaped like a GeoServer WFS export (run once; the outputs are committed).

Issue 9, break 6: a GeoServer exported 39 named campus buildings in Wuhan in Web Mercator metres but declared
``urn:ogc:def:crs:EPSG::32649`` (UTM 49N). These files reproduce that shape with synthetic footprints:

- wuhan_campus_buildings_geoserver.geojson: Mercator metres, declaring EPSG:32649 (at the end, as GeoServer does)
- wuhan_campus_buildings_nocrs.geojson: the same without the ``crs`` member
- wuhan_campus_community.geojson: the community boundary around them, in WGS-84
- wuhan_campus_community_3857_nocrs.geojson: that boundary in Mercator metres without ``crs``

    python tests/data/make_wuhan_campus.py
"""

import json
from pathlib import Path

from pyproj import Transformer

HERE = Path(__file__).resolve().parent
CENTRE = (114.6130, 30.4590)  # lon, lat: east Wuhan, x ≈ 12,758,670 m, y ≈ 3,562,690 m in EPSG:3857
NAMES = (
    "行政楼", "图书馆", "第一教学楼", "第二教学楼", "第三教学楼", "第四教学楼", "第五教学楼", "实验楼A", "实验楼B",
    "计算中心", "科技楼", "学术交流中心", "体育馆", "游泳馆", "第一食堂", "第二食堂", "第三食堂", "学生活动中心",
    "校医院", "1号学生宿舍", "2号学生宿舍", "3号学生宿舍", "4号学生宿舍", "5号学生宿舍", "6号学生宿舍",
    "7号学生宿舍", "8号学生宿舍", "研究生公寓A", "研究生公寓B", "教工公寓", "外国专家楼", "艺术楼", "音乐厅",
    "工程训练中心", "档案馆", "后勤服务楼", "国际交流学院", "创新创业大楼", "校史馆",
)
COLUMNS, SPACING_M, SIZE_M = 7, 70.0, (42.0, 24.0)


def mercator_footprints():
    """Return (name, floors, ring in EPSG:3857 metres) for the 39 buildings on a campus grid."""
    to_mercator = Transformer.from_crs(4326, 3857, always_xy=True)
    cx, cy = to_mercator.transform(*CENTRE)
    rows = (len(NAMES) + COLUMNS - 1) // COLUMNS
    result = []
    for i, name in enumerate(NAMES):
        col, row = i % COLUMNS, i // COLUMNS
        # Mercator metres are ~1/cos(30.46°) ≈ 1.16 times ground metres here; the exporter did not care either.
        x0 = cx + (col - (COLUMNS - 1) / 2) * SPACING_M - SIZE_M[0] / 2
        y0 = cy + (row - (rows - 1) / 2) * SPACING_M - SIZE_M[1] / 2
        ring = [(x0, y0), (x0 + SIZE_M[0], y0), (x0 + SIZE_M[0], y0 + SIZE_M[1]), (x0, y0 + SIZE_M[1]), (x0, y0)]
        result.append((name, 2 + i % 9, [[round(x, 4), round(y, 4)] for x, y in ring]))
    return result


def geoserver_collection(with_crs):
    """Return a FeatureCollection shaped like GeoServer's application/json output."""
    features = [{"type": "Feature", "id": f"campus_buildings.{i}",
                 "geometry": {"type": "MultiPolygon", "coordinates": [[ring]]}, "geometry_name": "the_geom",
                 "properties": {"name": name, "floors": floors, "campus": "光谷东校区"}}
                for i, (name, floors, ring) in enumerate(mercator_footprints(), start=1)]
    collection = {"type": "FeatureCollection", "features": features, "totalFeatures": len(features),
                  "numberMatched": len(features), "numberReturned": len(features),
                  "timeStamp": "2024-05-17T03:12:45.118Z"}
    if with_crs:
        collection["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32649"}}
    return collection


def community_rings():
    """Return the community boundary ring in WGS-84 and in Mercator metres (the campus plus ~60 m)."""
    rings = [ring for _, _, ring in mercator_footprints()]
    xs = [x for ring in rings for x, _ in ring]
    ys = [y for ring in rings for _, y in ring]
    x0, y0, x1, y1 = min(xs) - 70, min(ys) - 70, max(xs) + 70, max(ys) + 70
    mercator = [(x0, y0), (x1, y0), (x1, y1), (x0 + 120, y1), (x0, y1 - 90), (x0, y0)]
    to_wgs84 = Transformer.from_crs(3857, 4326, always_xy=True)
    wgs84 = [[round(v, 7) for v in to_wgs84.transform(x, y)] for x, y in mercator]
    return wgs84, [[round(x, 3), round(y, 3)] for x, y in mercator]


def community_collection(ring):
    props = {"code": "guanggu-east", "name": "光谷东校区社区", "town": "武汉市东湖新技术开发区"}
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": [ring]}}]}


def main():
    wgs84, mercator = community_rings()
    outputs = {
        "wuhan_campus_buildings_geoserver.geojson": geoserver_collection(with_crs=True),
        "wuhan_campus_buildings_nocrs.geojson": geoserver_collection(with_crs=False),
        "wuhan_campus_community.geojson": community_collection(wgs84),
        "wuhan_campus_community_3857_nocrs.geojson": community_collection(mercator),
    }
    for filename, data in outputs.items():
        (HERE / filename).write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {filename}")


if __name__ == "__main__":
    main()
