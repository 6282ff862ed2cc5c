"""The browser the tests drive: Debian's chromium, with no window furniture of its own to render for each context."""

import pytest

pytestmark = pytest.mark.browser


def test_a_context_opens_only_the_page_asked_for(browser, live_server):
    context = browser.new_context()
    try:
        context.new_page().goto(f"{live_server.url}/login")
        session = browser.new_browser_cdp_session()
        targets = session.send("Target.getTargets")["targetInfos"]
        session.detach()
    finally:
        context.close()
    assert [target["url"] for target in targets if not target["url"].startswith(live_server.url)] == []
