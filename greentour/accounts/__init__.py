"""Accounts: passwords, login sessions and login throttling (OWASP ASVS 4.0 level 2).

* :mod:`greentour.accounts.passwords` – the password policy (length, breached list) and hashing
  (pure; no database).
* :mod:`greentour.accounts.sessions` – server-side login sessions: opened at login, checked on
  every request (idle and absolute timeout), ended at logout and on every password change.
* :mod:`greentour.accounts.throttle` – failed logins counted per account name and per client
  address; too many in a window are refused with HTTP 429 before the password is checked.
* :mod:`greentour.accounts.service` – the use cases: :func:`~greentour.accounts.service.login`
  (throttled, constant time for unknown names) and
  :func:`~greentour.accounts.service.set_password` (the one way to change a password: policy,
  hash, end the user's sessions) for the admin page and the CLI.
* :mod:`greentour.accounts.members` – users and their memberships in tenants: password check at
  login (:func:`~greentour.accounts.members.authenticate`), the logged-in account, user creation.
* :mod:`greentour.accounts.users` and :mod:`greentour.accounts.roles` – user administration
  (list, disable, reset a password, change a role).
"""
