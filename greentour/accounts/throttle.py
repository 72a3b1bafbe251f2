"""Login throttling per account name and per client address (OWASP ASVS 4.0 V2.2.1).

Every password check is recorded (:class:`~greentour.store.models_accounts.LoginAttempt`), for
unknown names too. Before a check, :func:`check_allowed` refuses with
:class:`~greentour.errors.TooManyRequests` (HTTP 429, with the wait in minutes) when

* the account name had ``max_failures`` failed logins in the last ``window_s`` seconds (counted
  since its last successful login), or
* the client address had ``max_failures_per_address`` failed logins in the window (one address
  trying many names).

The refusal comes before the password is checked, so a correct password does not get through
either. Attempts older than a day are deleted when new ones are recorded.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import Engine, delete, func, select

from greentour.errors import TooManyRequests
from greentour.store import system_session, write_connection
from greentour.store.base import utcnow
from greentour.store.models_accounts import LoginAttempt

KEEP_S = 24 * 3600.0
_table = LoginAttempt.__table__


@dataclass(frozen=True)
class ThrottlePolicy:
    """Limits of failed logins in a sliding window."""

    window_s: float = 900.0
    max_failures: int = 5
    max_failures_per_address: int = 20


def account_key(username: str) -> str:
    """The name as counted: stripped, lower case, at most 120 characters."""
    return username.strip().lower()[:120]


def check_allowed(engine: Engine, username: str, address: str, policy: ThrottlePolicy,
                  now: dt.datetime | None = None) -> None:
    """Refuse (429) when the account name or the address failed too often lately."""
    now = now or utcnow()
    since = now - dt.timedelta(seconds=policy.window_s)
    key = account_key(username)
    with system_session(engine) as s:
        last_ok = s.scalar(select(func.max(LoginAttempt.at)).where(
            LoginAttempt.username == key, LoginAttempt.success.is_(True)))
        start = max(since, last_ok) if last_ok else since
        by_name = s.execute(select(func.count(), func.min(LoginAttempt.at)).where(
            LoginAttempt.username == key, LoginAttempt.success.is_(False),
            LoginAttempt.at > start)).one()
        by_address = s.execute(select(func.count(), func.min(LoginAttempt.at)).where(
            LoginAttempt.address == address[:64], LoginAttempt.success.is_(False),
            LoginAttempt.at > since)).one()
    for (count, oldest), limit in ((by_name, policy.max_failures),
                                   (by_address, policy.max_failures_per_address)):
        if count >= limit:
            wait_s = policy.window_s - (now - oldest).total_seconds()
            minutes = max(1, math.ceil(wait_s / 60))
            raise TooManyRequests(
                f"Zu viele fehlgeschlagene Anmeldungen; bitte in {minutes} Minute"
                f"{'n' if minutes != 1 else ''} erneut versuchen",
                retry_after_s=max(1, int(wait_s)),
            )


def record_attempt(engine: Engine, username: str, address: str, success: bool,
                   now: dt.datetime | None = None) -> None:
    """Store one password check (and forget attempts older than a day)."""
    now = now or utcnow()
    with write_connection(engine) as conn:
        conn.execute(_table.insert().values(username=account_key(username),
                                            address=address[:64], at=now, success=success))
        conn.execute(delete(_table).where(_table.c.at < now - dt.timedelta(seconds=KEEP_S)))
