"""Account use cases: a throttled login and the one way to set a password.

:func:`login` is what the login form calls: throttling first (HTTP 429 without checking the
password), then the password check (one hash check whether the name exists or not), then the
attempt is recorded. :func:`set_password` checks the policy, stores the new hash and ends every
open session of the user, so a cookie saved before stops working. User administration (admin page,
CLI) calls it; nothing else writes ``password_hash``.
"""

from __future__ import annotations

from sqlalchemy import Engine

from greentour.accounts.members import Account, authenticate
from greentour.accounts.passwords import check_password_policy, hash_password
from greentour.accounts.sessions import end_user_sessions
from greentour.accounts.throttle import ThrottlePolicy, check_allowed, record_attempt
from greentour.errors import Forbidden, NotFound
from greentour.settings import Settings, get_settings
from greentour.store import system_session
from greentour.store.models import User


def throttle_policy(settings: Settings | None = None) -> ThrottlePolicy:
    """The throttling limits from the settings (``GREENTOUR_LOGIN_*``)."""
    settings = settings or get_settings()
    return ThrottlePolicy(
        window_s=settings.login_window_s,
        max_failures=settings.login_max_failures,
        max_failures_per_address=settings.login_max_failures_per_address,
    )


def login(engine: Engine, username: str, password: str, address: str,
          policy: ThrottlePolicy | None = None) -> Account:
    """The account for a correct name and password, throttled per name and address.

    Raises :class:`~greentour.errors.TooManyRequests` (429) when throttled and
    :class:`~greentour.errors.Forbidden` (one message for every wrong name or password).
    """
    policy = policy or throttle_policy()
    check_allowed(engine, username, address, policy)
    try:
        account = authenticate(engine, username, password)
    except Forbidden:
        record_attempt(engine, username, address, success=False)
        raise
    record_attempt(engine, username, address, success=True)
    return account


def set_password(engine: Engine, user_id: int, new_password: str) -> int:
    """Set a user's password through the policy and end all their sessions.

    Returns the number of sessions ended. Raises :class:`~greentour.errors.BadInput` (policy,
    German message) or :class:`~greentour.errors.NotFound`.
    """
    with system_session(engine) as s, s.begin():
        user = s.get(User, user_id)
        if user is None:
            raise NotFound(f"Benutzer {user_id} gibt es nicht")
        check_password_policy(new_password, user.username)
        user.password_hash = hash_password(new_password)
    return end_user_sessions(engine, user_id, "password_changed")
