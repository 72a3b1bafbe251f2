"""The password policy and password hashing (pure; OWASP ASVS 4.0 V2.1).

Policy (:func:`check_password_policy`, German messages):

* at least :data:`MIN_LENGTH` (12) and at most :data:`MAX_LENGTH` (128) characters, counted as
  Unicode code points; every character allowed, spaces included; no composition rules;
* not on the breached-password list: the 30,000 most common passwords of leaked password sets
  that the ``zxcvbn`` package ships (``zxcvbn.frequency_lists``, MIT licence, © Dropbox; the list
  is drawn from Mark Burnett's / Xato's ten million leaked passwords), compared case-insensitively
  and also with leading and trailing digits and symbols removed ("Passwort2026!" counts as
  "passwort");
* not the user name, and not one character repeated;
* not guessable in fewer than 10^8 guesses by zxcvbn's estimate (sequences like
  "123456789012", keyboard rows, repeated words): :data:`MIN_GUESSES_LOG10`.

Hashes are werkzeug's salted scrypt. :data:`DUMMY_HASH` is checked for unknown user names so that
a login takes the same time whether the name exists or not.
"""

from __future__ import annotations

import functools
import re

from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from greentour.errors import BadInput

MIN_LENGTH = 12
MAX_LENGTH = 128
MIN_GUESSES_LOG10 = 8.0

#: A hash of a random password, checked for unknown names (same cost as a real check).
DUMMY_HASH = generate_password_hash("greentour-dummy-password-for-timing")

_EDGES = re.compile(r"^[\d\W_]+|[\d\W_]+$")


@functools.cache
def breached_passwords() -> frozenset[str]:
    """The breached-password list (lower case), loaded once."""
    return frozenset(p.lower() for p in FREQUENCY_LISTS["passwords"])


def is_breached(password: str) -> bool:
    """True when the password (or its core without leading/trailing digits and symbols) is on
    the breached list."""
    lowered = password.lower()
    core = _EDGES.sub("", lowered)
    listed = breached_passwords()
    return lowered in listed or (len(core) >= 4 and core in listed)


def check_password_policy(password: str, username: str = "") -> None:
    """Refuse a password that breaks the policy with :class:`BadInput` naming the rule."""
    if len(password) < MIN_LENGTH:
        raise BadInput(f"Passwort zu kurz: mindestens {MIN_LENGTH} Zeichen")
    if len(password) > MAX_LENGTH:
        raise BadInput(f"Passwort zu lang: höchstens {MAX_LENGTH} Zeichen")
    if len(set(password)) == 1:
        raise BadInput("Passwort besteht nur aus einem wiederholten Zeichen")
    if username and username.strip().lower() in password.lower():
        raise BadInput("Passwort darf den Benutzernamen nicht enthalten")
    if is_breached(password):
        raise BadInput(
            "Passwort steht in einer Liste veröffentlichter (gehackter) Passwörter; bitte ein "
            "anderes wählen, z. B. mehrere Wörter"
        )
    if zxcvbn(password[:100])["guesses_log10"] < MIN_GUESSES_LOG10:
        raise BadInput(
            "Passwort zu leicht zu erraten (Zahlen- oder Tastenfolge, Wiederholung); bitte z. B. "
            "mehrere Wörter wählen"
        )


def hash_password(password: str) -> str:
    """A salted hash (werkzeug scrypt) of ``password``."""
    return generate_password_hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check ``password`` against a stored hash; with ``None`` against :data:`DUMMY_HASH` (same
    time, always False)."""
    if password_hash is None:
        check_password_hash(DUMMY_HASH, password)
        return False
    return check_password_hash(password_hash, password)
