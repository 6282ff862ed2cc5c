"""Who the client is for per-client namespaces such as Idempotency-Key: the account, this browser, or the address.

A staff caller is their account. A resident's browser gets a random id in the signed session cookie
(HttpOnly) when it opens a page with the report form, so two residents behind one address (a carrier's
NAT, the community centre's Wi-Fi) never share a namespace, and a phone that moves from Wi-Fi to 4G keeps
its own. A client without that cookie (a script, an app) is known only by its address.
"""

import secrets

from flask import session

from .identity import current_viewer
from .limits import client_address

BROWSER_ID = "browser_id"


def remember_browser():
    """Give this browser a random id (once), kept in its session cookie."""
    if BROWSER_ID not in session:
        session[BROWSER_ID] = secrets.token_urlsafe(16)


def client_scope():
    """Return a name for the caller that separates two clients: user:…, browser:… or address:…."""
    viewer = current_viewer()
    if viewer.is_staff:
        return f"user:{viewer.username}"
    browser = session.get(BROWSER_ID)
    if isinstance(browser, str) and browser:
        return f"browser:{browser}"
    return f"address:{client_address()}"
