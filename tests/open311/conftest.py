"""Helpers for the Open311 tests: posting requests, parsing answers, counting what was written."""

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import text

from geo_app.extensions import db
from tests.helpers import demo_features, demo_people, interior_point

REQUEST_FIELDS = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"]


def building_point(code):
    """Return (lon, lat) well inside a demo building."""
    geom = next(g for props, g in demo_features("buildings.geojson") if props["code"] == code)
    return interior_point(geom)


def building_chief(code):
    """Return the name of the current 楼栋长 of a demo building."""
    return next(p["name"] for p in demo_people("building_chief") if p["unit_code"] == code and not p["until"])


def parse_xml(response):
    assert response.content_type.startswith("text/xml")
    assert response.data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.data)


@pytest.fixture
def post_request(client):
    """POST a form-encoded service request at a demo building: post_request(fmt, building, **fields)."""

    def post(fmt="json", building="BD01", **fields):
        lon, lat = building_point(building)
        form = {"service_code": "hazard", "lat": f"{lat:.7f}", "long": f"{lon:.7f}",
                "description": "楼道堆放杂物，堵塞消防通道，存在安全隐患"} | fields
        return client.post(f"/open311/v2/requests.{fmt}", data={k: v for k, v in form.items() if v is not None})

    return post


@pytest.fixture
def rows(app):
    """Count cases and case events: rows() → (cases, events)."""

    def count():
        with app.app_context():
            return (db.session.execute(text("SELECT count(*) FROM civic_case")).scalar(),
                    db.session.execute(text("SELECT count(*) FROM case_event")).scalar())

    return count


@pytest.fixture
def stored(app):
    """Read what was written for a request: stored(code) → the civic_case row with assignee_name and actor."""

    def read(code):
        with app.app_context():
            return db.session.execute(text(
                "SELECT c.*, p.name AS assignee_name, "
                "(SELECT actor FROM case_event e WHERE e.case_id = c.id ORDER BY e.id LIMIT 1) AS actor "
                "FROM civic_case c LEFT JOIN person p ON p.id = c.assignee_id WHERE c.code = :code"),
                {"code": code}).mappings().one()

    return read
