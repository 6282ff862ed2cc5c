"""Every word a resident, a cadre and a 楼栋长 can see is Chinese, on a phone (360 px) and at a desk (1366 px).

Each page's visible text nodes, the title/aria-label/placeholder/alt of its visible controls, the options of its
visible selects and the document title are collected after the page has settled; a Latin word fails the test
unless it is on the short allow-list below. Codes (MQ-2026-000123, K7QM4-XD29P, BD05) and the hostile names the
live server plants (tests/browser/conftest.py) are removed first: they are data, not words.
"""

import re

import pytest

from tests.browser.conftest import HOSTILE, HOSTILE_TITLE, api_settled
from tests.factories import point_in_building

pytestmark = pytest.mark.browser

PHONE_360 = {"width": 360, "height": 740}
DESK_1366 = {"width": 1366, "height": 768}
ALLOWED = {"Leaflet", "MQ", "CSV", "Excel", "OpenStreetMap", "JPEG", "PNG", "WebP", "HEIC"}
CODES = [
    re.compile(r"MQ-\d{4}-\d+", re.I),  # staff case numbers
    re.compile(r"\b[0-9A-Z]{5}-[0-9A-Z]{5}\b"),  # tracking codes
    re.compile(r"\b[A-Z]{2}\d{2,}\b"),  # unit and site codes
]
PLANTED = sorted([*(value for _, value in HOSTILE.values()), HOSTILE_TITLE, "`${alert(5)}`</script>"], key=len,
                 reverse=True)
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")

COLLECT = """() => {
  const seen = [];
  const visible = (el) => el && el.getClientRects().length > 0 &&
    (!el.checkVisibility || el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }));
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!node.nodeValue.trim() || !parent || parent.closest("script, style, noscript, template")) continue;
    if (visible(parent)) seen.push(node.nodeValue.trim());
  }
  for (const el of document.body.querySelectorAll("[title], [aria-label], [placeholder], [alt]")) {
    if (!visible(el)) continue;
    for (const name of ["title", "aria-label", "placeholder", "alt"]) {
      const value = el.getAttribute(name);
      if (value && value.trim()) seen.push(name + "=" + value.trim());
    }
  }
  for (const select of document.body.querySelectorAll("select")) {
    if (visible(select)) for (const option of select.options) seen.push(option.textContent.trim());
  }
  seen.push("title=" + document.title);
  return seen;
}"""


def latin_words(texts):
    """Return the Latin words in texts, after removing codes and planted hostile names; allowed words pass."""
    found = set()
    for text in texts:
        for planted in PLANTED:
            text = text.replace(planted, " ")
        for code in CODES:
            text = code.sub(" ", text)
        text = re.sub(r"^(title|aria-label|placeholder|alt)=", "", text)
        found.update(word for word in LATIN_WORD.findall(text) if word not in ALLOWED)
    return found


@pytest.fixture(scope="module")
def chief_case(live_server, cadre_token):
    """A case at BD01, dispatched to its 楼栋长 (the demo chief), with its case number and tracking code."""
    status, case = live_server.call("POST", "/api/v1/cases", token=cadre_token, body={
        "title": "楼道灯不亮", "channel": "grid_worker", "category": "hazard", **point_in_building("BD01")})
    assert status == 201 and case["tracking_code"], case
    return case


JOURNEYS = {  # path (templates filled from the cases below), expected status
    "resident": [("/", 200), ("/sites", 200), ("/track", 200), ("/track/{tracking}", 200), ("/heatmap", 200),
                 ("/login", 200), ("/no-such-page", 404), ("/track?code=mq-2026-000001", 200)],
    "cadre": [("/map", 200), ("/cases/{code}", 200), ("/stats", 200), ("/heatmap", 200), ("/me", 200),
              ("/sites", 200), ("/no-such-page", 404), ("/cases/MQ-1999-999999", 404)],
    "chief": [("/me", 200), ("/cases/{code}", 200), ("/map", 200), ("/heatmap", 200), ("/track", 200),
              ("/no-such-page", 404), ("/stats", 403), ("/cases/{other}", 403)],
}


@pytest.mark.parametrize("viewport", [PHONE_360, DESK_1366], ids=["360", "1366"])
@pytest.mark.parametrize("role", list(JOURNEYS))
def test_every_visible_word_is_chinese(open_page, request, live_server, chief_case, hostile_case, role, viewport):
    storage = {"resident": None, "cadre": "cadre_login", "chief": "chief_login"}[role]
    options = {"storage_state": request.getfixturevalue(storage)} if storage else {}
    watched = open_page(None, viewport=viewport, **options)
    page = watched.page
    english = {}
    for template, expected in JOURNEYS[role]:
        path = template.format(code=chief_case["code"], tracking=chief_case["tracking_code"],
                               other=hostile_case["code"])
        response = page.goto(live_server.url + path, wait_until="load")
        assert response.status == expected, f"{path}: HTTP {response.status}"
        api_settled(page)
        words = latin_words(page.evaluate(COLLECT))
        if words:
            english[path] = sorted(words)
    assert english == {}, f"Latin words a {role} sees at {viewport['width']} px: {english}"
    assert watched.page_errors == [] and watched.external_requests == []
