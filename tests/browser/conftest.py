"""Browser fixtures: the app on a real HTTP server, Debian's chromium driven by Playwright.

Every request to another host fails (chromium resolves no other name) and is recorded; console errors, page errors
and dialogs (alert/confirm) are recorded too, so a test can assert a page is self-contained and quiet.

The live database is a clone of the demo with hostile text planted in a building, its chief and
a site (see ``HOSTILE``): every page test runs against strings that would break out of HTML or
of folium's JavaScript template literals if they were not escaped.
"""

import json
import os
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from geo_app import create_app
from geo_app.extensions import db
from geo_app.services.demo import DEMO_ACCOUNTS
from tests.browser.png import colour_stats

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = os.environ.get("MINQING_CHROMIUM", "/usr/bin/chromium")
# No host but this one resolves: a request to another host fails in chromium's resolver (and the page's request
# listener records it, see open_page) instead of passing through Playwright's interception, which made every request
# of every page a round trip between chromium, Playwright's driver and the test.
ONLY_LOCALHOST = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", ONLY_LOCALHOST,
]
# Chromium makes an omnibox popup (a WebUI renderer with two pages) for every window, and every Playwright context is
# a window: that was half of chromium's CPU for each test. Headless, nobody sees it. Chromium reads only the last
# --disable-features switch, so the browser fixture passes Playwright's own list with these added.
NO_OMNIBOX_POPUP = ("WebUIOmniboxPopup", "WebUIOmniboxAimPopup", "WebUIOmniboxFullPopup")
DISABLE_FEATURES = "--disable-features="
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}

HOSTILE = {
    "building": ("BD05", "<img src=x onerror=alert(1)>${alert(2)}"),
    "chief": ("BD05", "`); alert(3); (`"),
    "site": ("SI08", "爱心超市</script><script>alert(4)</script>"),
}


def plant_hostile_text(app):
    """Give a building, its chief and a site names that try to break out of HTML and JS."""
    building_code, building_name = HOSTILE["building"]
    _, chief_name = HOSTILE["chief"]
    site_code, site_name = HOSTILE["site"]
    with app.app_context():
        db.session.execute(text("UPDATE unit SET name = :name WHERE kind = 'building' AND code = :code"),
                           {"name": building_name, "code": building_code})
        db.session.execute(
            text("UPDATE person SET name = :name WHERE id IN (SELECT r.person_id FROM responsibility r "
                 "JOIN unit u ON u.id = r.unit_id WHERE u.kind = 'building' AND u.code = :code)"),
            {"name": chief_name, "code": building_code})
        db.session.execute(text("UPDATE site SET name = :name WHERE code = :code"),
                           {"name": site_name, "code": site_code})
        db.session.commit()


@dataclass
class LiveServer:
    url: str
    app: object

    @property
    def host(self):
        return urlsplit(self.url).netloc

    def get_json(self, path, token=None):
        """GET a JSON endpoint of the live server (with an API token if given); return (status, body)."""
        return self.call("GET", path, token=token)

    def call(self, method, path, token=None, body=None):
        """Send a JSON request to the live server; return (status, body)."""
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")


@pytest.fixture(scope="session")
def live_server(pg_cluster, demo_template):
    """The app served over HTTP on 127.0.0.1 (a free port) against its own copy of the demo database."""
    vendor_stamp = ROOT / "static" / "vendor" / ".stamp.json"
    if not vendor_stamp.is_file():
        pytest.fail("static/vendor has not been built: run `sh static/build_vendor.sh` (or `make test`)")
    name = f"live_{os.getpid()}"
    pg_cluster.create_database(name, template=demo_template)
    app = create_app({"DATABASE_URL": pg_cluster.url_for(name), "TESTING": True, "SECRET_KEY": "browser-tests",
                      "BASEMAP": "none"})
    plant_hostile_text(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        pg_cluster.drop_database(name)


def _parent(pid):
    with open(f"/proc/{pid}/status") as status:
        return int(next(line for line in status if line.startswith("PPid:")).split()[1])


def _our_browser_switch(prefix):
    """The value chromium takes (the last given) of a switch of the browser process this test process started
    (through Playwright's driver), or None when it has no such switch."""
    for entry in os.listdir("/proc"):
        try:
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().decode().split("\0")
            if os.path.basename(argv[0]) not in ("chromium", os.path.basename(CHROMIUM)) or \
                    any(arg.startswith("--type=") for arg in argv) or _parent(_parent(int(entry))) != os.getpid():
                continue
        except (ValueError, OSError, StopIteration):
            continue  # not a process, or gone
        return next((arg[len(prefix):] for arg in reversed(argv) if arg.startswith(prefix)), None)
    pytest.fail("cannot find the chromium browser process Playwright started")


def _launch(browser_type, args):
    return browser_type.launch(executable_path=CHROMIUM, headless=True, args=args)


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium, headless, launched once for the session (with Playwright's switches, and no omnibox popup)."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (`sh tools/install-system-deps.sh --browser`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        probe = _launch(playwright.chromium, CHROMIUM_ARGS)
        try:
            playwrights = (_our_browser_switch(DISABLE_FEATURES) or "").split(",")
        finally:
            probe.close()
        disabled = [feature for feature in playwrights if feature] + list(NO_OMNIBOX_POPUP)
        chromium = _launch(playwright.chromium, [*CHROMIUM_ARGS, DISABLE_FEATURES + ",".join(disabled)])
        try:
            effective = _our_browser_switch(DISABLE_FEATURES).split(",")
            assert effective == disabled, f"chromium runs with --disable-features={effective}, not {disabled}"
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def cadre_token(live_server):
    """An API token of the demo cadre on the live server."""
    from tests.conftest import token_for

    return token_for(live_server.app, "cadre")


HOSTILE_TITLE = "<img src=x onerror=alert(1)>${alert(2)}"


@pytest.fixture(scope="session")
def hostile_case(live_server, cadre_token):
    """A case titled to break out of HTML and JS, made through the API by the cadre, and overdue."""
    from tests.helpers import demo_features, interior_point

    building = {props["code"]: geom for props, geom in demo_features("buildings.geojson")}["BD07"]
    lon, lat = interior_point(building)
    status, body = live_server.call("POST", "/api/v1/cases", token=cadre_token, body={
        "title": HOSTILE_TITLE, "description": "`${alert(5)}`</script>", "channel": "grid_worker",
        "category": "hazard", "lat": lat, "lon": lon})
    assert status == 201, body
    with live_server.app.app_context():  # past its response deadline: it belongs in the overdue list
        db.session.execute(text("UPDATE civic_case SET response_due_at = now() - interval '2 hours' WHERE code = :c"),
                           {"c": body["code"]})
        db.session.commit()
    return body


CADRE_LOGIN = next(account[::2] for account in DEMO_ACCOUNTS if account[0] == "cadre")  # (username, password)
CHIEF_LOGIN = next(account[::2] for account in DEMO_ACCOUNTS if account[0] == "chief")  # the demo 楼栋长 of BD01


def log_in(browser, live_server, account, landing):
    """Return the browser storage (session cookie) of a demo account logged in through /login.

    The landing page is only arrived at (its response committed), not drawn: the session cookie came with the
    login's redirect, and a test opens the pages it checks in contexts of its own.
    """
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/login?next={landing}")
        page.fill("#username", account[0])
        page.fill("#password", account[1])
        with page.expect_navigation(wait_until="commit"):
            page.click("button[type=submit]")
        assert page.url.endswith(landing), f"login as {account[0]} failed: at {page.url}"
        return context.storage_state()
    finally:
        context.close()


@pytest.fixture(scope="session")
def cadre_login(browser, live_server):
    """The browser storage (session cookie) of the demo cadre, logged in once through /login."""
    return log_in(browser, live_server, CADRE_LOGIN, "/map")


@pytest.fixture(scope="session")
def chief_login(browser, live_server):
    """The browser storage (session cookie) of the demo 楼栋长 (of BD01), logged in once through /login."""
    return log_in(browser, live_server, CHIEF_LOGIN, "/me")


@dataclass
class WatchedPage:
    """A page with what it did: requests to other hosts, console errors, page errors, dialogs."""

    page: object
    base_url: str
    external_requests: list = field(default_factory=list)
    console_errors: list = field(default_factory=list)
    page_errors: list = field(default_factory=list)
    dialogs: list = field(default_factory=list)
    requests: list = field(default_factory=list)
    csp_violations: list = field(default_factory=list)

    def api_requests(self, path):
        """The URLs of the requests this page made to an API path (e.g. "/api/v1/heat"), in order."""
        return [url for url in self.requests if urlsplit(url).path == path]

    def goto(self, path):
        response = self.page.goto(self.base_url + path, wait_until="load")
        assert response is not None and response.status == 200, f"{path}: HTTP {response and response.status}"
        return response

    def assert_quiet(self):
        """No request left this host, no console or page error, no dialog."""
        assert self.external_requests == [], f"requests to other hosts: {self.external_requests}"
        assert self.page_errors == [], f"page errors: {self.page_errors}"
        assert self.console_errors == [], f"console errors: {self.console_errors}"
        assert self.dialogs == [], f"dialogs fired: {self.dialogs}"
        assert self.csp_violations == [], f"Content-Security-Policy violations: {self.csp_violations}"

    def screenshot(self, name, **kwargs):
        """Save a screenshot under test-artifacts/browser/ and check it is not blank; return its path."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        data = self.page.screenshot(path=str(path), **kwargs)
        colours, top_share = colour_stats(data)
        assert colours >= 50 and top_share < 0.9, (
            f"{path} looks blank: {colours} distinct colours, the commonest covers {top_share:.0%}")
        return path


CSP_MARK = "Content Security Policy"
CSP_REPORTER = """document.addEventListener("securitypolicyviolation", (e) => console.error(
    "Content Security Policy violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
    " at " + e.sourceFile + ":" + e.lineNumber));"""


@pytest.fixture
def open_page(browser, live_server):
    """open_page(path, viewport=..., **context options) -> WatchedPage, already loaded."""
    contexts, opened = [], []

    def open_(path, viewport=None, **options):
        context = browser.new_context(viewport=viewport or DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai",
                                      **options)
        contexts.append(context)
        watched = WatchedPage(page=None, base_url=live_server.url)
        opened.append(watched)

        def note_request(request):
            watched.requests.append(request.url)
            parts = urlsplit(request.url)
            if parts.scheme not in ("data", "blob", "about") and parts.netloc != live_server.host:
                watched.external_requests.append(request.url)  # and chromium cannot resolve it: ONLY_LOCALHOST

        # Every CSP violation is reported to the console, where the handler below records it.
        context.add_init_script(CSP_REPORTER)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("console", lambda msg: msg.type == "error" and watched.console_errors.append(
            f"{msg.text} ({msg.location.get('url')}:{msg.location.get('lineNumber')})"))
        page.on("console", lambda msg: CSP_MARK in msg.text and watched.csp_violations.append(msg.text))
        page.on("pageerror", lambda error: watched.page_errors.append(str(error)))
        page.on("request", note_request)

        def on_dialog(dialog):
            watched.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        watched.page = page
        if path is not None:
            watched.goto(path)
        return watched

    yield open_
    for context in contexts:
        context.close()
    violations = [v for watched in opened for v in watched.csp_violations]
    assert violations == [], f"Content-Security-Policy violations: {violations}"


def api_settled(page):
    """Wait until every API call the page has made through MQ.fetchJSON has been answered and its answer handled (read
    after the load event: the page's scripts have run by then, so the calls they start on load are counted). A page
    without static/js/minqing.js (the login form) makes no such call."""
    page.wait_for_function("() => !document.querySelector('script[src*=\"/js/minqing.js\"]') || "
                           "(window.MQ && MQ.pending === 0)")


def map_ready(page):
    """Wait until the page's Leaflet map exists, has drawn its vector layers and has finished the zoom to its
    layers (folium's fitBounds animates; a setView during that animation is undone when it ends)."""
    page.wait_for_function("() => window.MQ && MQ.map && document.querySelectorAll('.leaflet-overlay-pane path').length > 0")
    map_settled(page)


def click_at(page, lat, lon, zoom=18, hide_cases=True):
    """Centre the map on a WGS-84 point (no basemap shift in the tests) and click that pixel.

    On /map the case markers and clusters sit above the buildings and take their clicks (a click on a
    cluster zooms in), so by default the case layer is switched off first, as a cadre would.
    """
    x, y = page.evaluate(
        """([lat, lon, zoom, hideCases]) => {
            const cases = MQ.config.layers && window[MQ.config.layers.cases];
            if (hideCases && cases && MQ.map.hasLayer(cases)) MQ.map.removeLayer(cases);
            MQ.map.setView([lat, lon], zoom, {animate: false});
            const p = MQ.map.latLngToContainerPoint([lat, lon]);
            const box = MQ.map.getContainer().getBoundingClientRect();
            return [box.left + p.x, box.top + p.y];
        }""",
        [lat, lon, zoom, hide_cases],
    )
    page.mouse.click(x, y)
    return x, y


# Still: for three frames in a row the map pane has not moved, the zoom is the same and no zoom animation runs (Leaflet
# marks one with the pane's leaflet-zoom-anim class, Leaflet.markercluster its splitting and merging of clusters, 300 ms
# after a zoom, with leaflet-cluster-anim: until then a marker may still be hidden at its cluster's place). Three,
# because an animation asked for in this frame starts in the next one. Only the pane, its classes and getZoom are read.
MAP_STILL = """() => new Promise((done, fail) => {
  const pane = MQ.map.getPane("mapPane"), deadline = performance.now() + 5000;
  let last = null, frames = 0;
  const look = () => {
    const zooming = pane.classList.contains("leaflet-zoom-anim") || pane.classList.contains("leaflet-cluster-anim");
    const now = [pane.style.transform, pane.style.left, pane.style.top, MQ.map.getZoom(), zooming].join("|");
    frames = now === last && !zooming ? frames + 1 : 0;
    last = now;
    if (frames >= 3) done();
    else if (performance.now() > deadline) fail(new Error("the map was still moving after 5 s: " + now));
    else requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})"""


def map_settled(page):
    """Wait until the map has stopped moving (a popup that opened near an edge pans the map into view)."""
    page.evaluate(MAP_STILL)


def lookup_popup(page):
    """Wait for the lookup popup's content and for the map to settle; return the popup locator.

    The popup opens with a loading line and is filled when the lookup answers; each step re-pans the map to keep
    the popup clear of the panels: wait for the answer, then for the pan.
    """
    popup = page.locator(".leaflet-popup-content .mq-lookup")
    popup.wait_for()
    page.wait_for_function("() => !document.querySelector('.leaflet-popup-content .mq-loading')")
    map_settled(page)
    return popup
