"""geo.bounds: boxes, areas of use and the guess at a file's real CRS."""

import numpy as np
import pytest
from pyproj import CRS, Transformer

from geo_app.geo.bounds import CHINA, area_box_in_crs, candidate_crs, crs_hint, outside
from geo_app.geo.validate import in_china

WUHAN = (114.613, 30.459)
WUHAN_BOX = (114.60, 30.45, 114.62, 30.47)


def project(code, lon, lat):
    return Transformer.from_crs(4326, code, always_xy=True).transform(lon, lat)


def test_outside_marks_rows_beyond_the_box_and_non_finite_rows():
    bounds = np.array([[1, 1, 2, 2], [0, 0, 5, 2], [np.nan, 1, 2, 2], [1, 1, np.inf, 2]])
    assert outside(bounds, (0, 0, 3, 3)).tolist() == [False, True, True, True]


def test_the_validation_box_is_the_one_china_box():
    west, south, east, north = CHINA
    assert in_china(west, south) and in_china(east, north) and not in_china(east + 0.1, north)


@pytest.mark.parametrize("code", [32649, 4547, 3857, 4490])
def test_area_of_use_box_holds_data_in_its_zone_and_not_mercator_metres(code):
    box = area_box_in_crs(CRS.from_epsg(code))
    inside = project(code, 114.3, 30.5) if code != 4490 else (114.3, 30.5)
    assert not outside(np.array([[*inside, *inside]]), box)[0]
    if code != 3857:
        x, y = project(3857, *WUHAN)
        assert outside(np.array([[x, y, x, y]]), box)[0]


@pytest.mark.parametrize("code", [3857, 4526, 4497, 4547, 4509, 32650, 4326])
def test_the_hint_names_the_crs_that_puts_the_data_in_place(code):
    x, y = project(code, *WUHAN)
    hint = crs_hint([(x, y)], WUHAN_BOX, "社区 W 的边界范围")
    assert f"按 EPSG:{code}" in hint or (code == 4326 and "EPSG:4326" in hint)
    assert "落在社区 W 的边界范围内" in hint


def test_mercator_and_zone_prefixed_gauss_kruger_are_told_apart():
    assert candidate_crs(*project(3857, *WUHAN))[0] == 3857
    assert candidate_crs(*project(4526, *WUHAN)) == [4526]  # 3° zone 38: x = 38,5xx,xxx


def test_swapped_axes_and_unknown_metres_are_described():
    assert "经纬度颠倒" in crs_hint([(30.459, 114.613)], WUHAN_BOX, "W")
    assert "EPSG:3857（Web 墨卡托）或 CGCS2000 高斯-克吕格" in crs_hint([(5.0e7, 1.0e8)], WUHAN_BOX, "W")
