"""/heatmap, /stats and the case page: who may open them, local assets only, no case inlined in the HTML."""

import json
import re

import pytest

from geo_app.maps.assets import ECHARTS_JS
from geo_app.models import OPEN_STATUSES, SATISFACTION
from geo_app.schemas import CASES_PAGE_MAX
from tests.external_urls import external_urls
from tests.web.test_pages import LOCAL_REF, page_config, page_html

CASE_CODE = re.compile(r"MQ-\d{4}-\d{6}")


def a_case_code(client):
    return client.get("/api/v1/cases?limit=1").get_json()["cases"][0]["code"]


@pytest.mark.parametrize("url", ["/heatmap", "/stats", "/cases/MQ-2024-000001", "/map"])
def test_dashboard_pages_load_everything_from_this_host(client, url):
    page = page_html(client, url)
    assert external_urls(page) == []
    for ref in set(LOCAL_REF.findall(page)):
        assert client.get(ref).status_code == 200, f"{url} links {ref}, which is not served"


@pytest.mark.parametrize("url", ["/map", "/stats", "/cases/MQ-2024-000001"])
def test_staff_pages_send_the_public_to_the_login(public_client, url):
    response = public_client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_stats_are_for_cadres_not_chiefs(chief_client, admin_client):
    assert chief_client.get("/stats").status_code == 403
    assert admin_client.get("/stats").status_code == 200


def test_the_public_heatmap_is_the_suppressed_variant(public_client):
    page = page_html(public_client, "/heatmap")
    assert external_urls(page) == []
    config = page_config(page)
    assert config["public"] is True and config["min_count"] == 5
    assert "少于 5 件民情的网格不显示" in page
    assert 'name="csrf-token"' not in page


def test_the_staff_heatmap_shows_every_cell(client):
    config = page_config(page_html(client, "/heatmap"))
    assert config["public"] is False and config["min_count"] == 1
    assert config["months"][0] == "2022-08" and config["months"][-1] == "2024-06"
    assert len(config["months"]) == 23


@pytest.mark.parametrize("url", ["/map", "/heatmap"])
def test_no_case_is_inlined_in_the_map_pages(client, url):
    page = page_html(client, url)
    assert not CASE_CODE.search(page), "cases come from the API, not the HTML"
    heat_layers = re.findall(r"L\.heatLayer\(\s*(\[.*?\])\s*,", page, re.S)
    assert heat_layers and all(json.loads(data) == [] for data in heat_layers), "heat comes from /api/v1/heat"


def test_the_map_tells_its_script_where_cases_and_heat_go(client):
    config = page_config(page_html(client, "/map"))
    assert set(config["layers"]) >= {"cases", "heat", "building"}
    assert config["status_colors"]["received"] and config["dispatch_action"] == "dispatch"
    assert config["open_statuses"] == list(OPEN_STATUSES) and config["page_size"] == CASES_PAGE_MAX
    assert config["case_page"] == "/cases/CODE"


def test_the_map_preselects_a_case_from_the_address(client):
    code = a_case_code(client)
    assert page_config(page_html(client, f"/map?case={code}"))["select"] == code


def test_the_stats_page_loads_echarts_from_the_vendor_folder(client):
    page = page_html(client, "/stats")
    [src] = re.findall(rf'src="(/assets/[0-9a-f]+/vendor/{re.escape(ECHARTS_JS)})"', page)
    assert client.get(src).status_code == 200
    assert client.get(f"/static/vendor/{ECHARTS_JS}").status_code == 200
    for by in ("month", "channel", "category", "assignee"):
        assert f'id="mq-chart-{by}"' in page


def test_the_case_page_reads_its_actions_from_the_api_not_the_page(client, chief_client):
    code = a_case_code(chief_client)  # a case of the chief's own: the only ones their case page opens
    for viewer in (client, chief_client):
        config = page_config(page_html(viewer, f"/cases/{code}"))
        assert "workflow" not in config and "role" not in config
        assert [s["code"] for s in config["satisfaction"]] == list(SATISFACTION)


def test_the_case_page_carries_a_hostile_code_escaped(client):
    response = client.get("/cases/<b>x</b></script>`${1}")
    page = response.get_data(as_text=True)
    assert "<b>x</b>" not in page and "</script>`" not in page


def test_navigation_and_logout_follow_the_role(client, public_client):
    staff = page_html(client, "/heatmap")
    for href in ('href="/map"', 'href="/heatmap"', 'href="/stats"', 'href="/sites"'):
        assert href in staff
    assert 'aria-current="page"' in staff
    public = page_html(public_client, "/heatmap")
    assert 'href="/stats"' not in public and 'href="/login"' in public
    # token clients have no session cookie; the logout form shows for anyone signed in
    assert 'action="/logout"' in staff
