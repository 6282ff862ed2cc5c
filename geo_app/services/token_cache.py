"""API token → account, kept briefly in each process so a bearer request costs no read of app_user.

Stateless-safe by a bound, not by sharing: every process keeps its own small copy (at most
MAX_ENTRIES accounts) for TOKEN_CACHE_SECONDS (default 5). A token replaced or an account disabled
through services.accounts in this process is forgotten at once; one changed by another process or
node (the CLI, a second app server) keeps working there for at most TOKEN_CACHE_SECONDS. Only
hits are kept, so a newly issued token works at once everywhere. 0 turns the cache off.
"""

import threading
import time
from dataclasses import dataclass

from cachetools import TLRUCache

MAX_ENTRIES = 4096


@dataclass(frozen=True)
class TokenAccount:
    """The account behind an API token, as much of it as a request reads (a Flask-Login user, never in a session)."""

    id: int
    username: str
    role: str
    community_id: int | None
    person_id: int | None
    is_authenticated = True
    is_active = True
    is_anonymous = False
    session_token = None

    def get_id(self):
        """Return None: a bearer token starts no session (Flask-Login keeps nothing in the cookie)."""
        return None


_lock = threading.Lock()
_accounts = TLRUCache(maxsize=MAX_ENTRIES, ttu=lambda _key, value, now: now + value[0], timer=time.monotonic)


def cached(token_hash):
    """Return the TokenAccount kept for a token hash, or None."""
    with _lock:
        kept = _accounts.get(token_hash)
    return kept[1] if kept else None


def keep(token_hash, account, seconds):
    """Keep an account for seconds (nothing when seconds is 0)."""
    if seconds > 0:
        with _lock:
            _accounts[token_hash] = (seconds, account)


def forget_all():
    """Forget every kept account (after a token or an account changed in this process)."""
    with _lock:
        _accounts.clear()
