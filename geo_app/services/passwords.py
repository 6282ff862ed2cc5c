"""Passwords: the policy every new password meets, hashing, and a dummy hash for users who do not exist.

The policy: at least MIN_LENGTH characters; not the user name nor containing it; not one of the 30,000
common passwords zxcvbn carries (its list merges the leaked-password corpora it was built from); and
not something zxcvbn finds in fewer than a million guesses (repeats, sequences, keyboard walks, a common
word plus digits), which the list alone misses. All of it runs offline.
"""

import functools
import secrets

from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from ..errors import ValidationError

MIN_LENGTH = 10
MAX_LENGTH = 200  # the login form's limit
MIN_USERNAME_INSIDE = 3  # a shorter user name is only refused as the whole password
MIN_ZXCVBN_SCORE = 2  # zxcvbn's score 2: at least 10^6 guesses
ZXCVBN_PREFIX = 100  # zxcvbn slows down on long input; a long password is judged by its start
HASH_METHOD = "scrypt"  # werkzeug's default work factor (n = 2^15, ~0.1 s a hash); a stored hash names its own
COMMON_PASSWORDS = frozenset(FREQUENCY_LISTS["passwords"])


def check_password_policy(password, username):
    """Refuse a password that breaks the policy, naming the rule in Chinese."""
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise ValidationError(f"密码太短：至少需要 {MIN_LENGTH} 个字符 (password must be at least {MIN_LENGTH} characters)",
                              field="password", code="password_too_short")
    if len(password) > MAX_LENGTH:
        raise ValidationError(f"密码太长：最多 {MAX_LENGTH} 个字符 (password must be at most {MAX_LENGTH} characters)",
                              field="password", code="password_too_long")
    lowered, name = password.casefold(), (username or "").casefold()
    if name and (lowered == name or (len(name) >= MIN_USERNAME_INSIDE and name in lowered)):
        raise ValidationError("密码不能是用户名，也不能包含用户名 (password must not contain the user name)",
                              field="password", code="password_contains_username")
    if lowered in COMMON_PASSWORDS:
        raise ValidationError("密码太常见：它在常用密码表中，请换一个 (password is in the list of common passwords)",
                              field="password", code="password_common")
    if zxcvbn(password[:ZXCVBN_PREFIX], user_inputs=[username] if username else [])["score"] < MIN_ZXCVBN_SCORE:
        raise ValidationError("密码太容易猜到：请不要用重复、连续、键盘排列或常见词加数字 "
                              "(password is too easy to guess: a repeat, sequence, keyboard walk or common word)",
                              field="password", code="password_guessable")


def hash_password(password):
    """Return the stored form of a password (werkzeug's default: scrypt)."""
    return generate_password_hash(password, method=HASH_METHOD)


def verify_password(stored_hash, password):
    """Tell whether a password matches its stored hash."""
    return check_password_hash(stored_hash, password)


@functools.cache
def dummy_hash():
    """Return a hash of a random password, made like real ones, to verify against when there is no user."""
    return hash_password(secrets.token_urlsafe(24))
