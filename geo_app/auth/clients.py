"""Who the client is for per-client namespaces such as Idempotency-Key: the account, this browser, or the address.

A staff caller is their account. A resident's browser keeps a random id of its own (made by the report
form's script, kept in localStorage) and sends it as `X-Browser-Id` beside an Idempotency-Key, so two
residents behind one address (a carrier's NAT, the community centre's Wi-Fi) never share a namespace, and
a phone that moves from Wi-Fi to 4G keeps its own. The id is chosen by the client, like the key itself: a
client that sent someone else's id and key would also need that person's identical report to get anything
back (the key is bound to a hash of the body). Pages set no cookie for it, so public pages stay cacheable.
A client without the header (a script, an app) is known only by its address.
"""

import re

from flask import request

from .identity import current_viewer
from .limits import client_address

BROWSER_ID_HEADER = "X-Browser-Id"
BROWSER_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def client_scope():
    """Return a name for the caller that separates two clients: user:…, browser:… or address:…."""
    viewer = current_viewer()
    if viewer.is_staff:
        return f"user:{viewer.username}"
    browser = request.headers.get(BROWSER_ID_HEADER, "")
    if BROWSER_ID.match(browser):
        return f"browser:{browser}"
    return f"address:{client_address()}"
