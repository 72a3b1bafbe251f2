"""Login, roles, secure session cookies, CSRF protection and the UI language.

* Logins go through :func:`greentour.accounts.service.login`: throttled per account name and
  client address (HTTP 429 with Retry-After), one hash check whether the name exists or not.
* flask-login keeps ``"<user id>:<tenant id>"`` in the signed session cookie together with a
  server-side session id (:mod:`greentour.accounts.sessions`); every request reloads the account
  and checks the session, so logout, a password change, 30 min idle or 12 h after login end
  access even for a cookie saved before (``GREENTOUR_SESSION_IDLE_S`` / ``_MAX_S``). The cookie is
  a browser-session cookie whose signature expires with the absolute timeout.
* Cookies are HttpOnly and SameSite=Lax, and Secure unless the app runs in debug or testing mode
  (or ``GREENTOUR_INSECURE_COOKIES=1`` is set for plain-HTTP local use).
* :data:`csrf` (Flask-WTF) protects every form and every state-changing request; JSON requests send
  the token in the ``X-CSRFToken`` header. Token-authenticated APIs exempt their blueprint with
  ``csrf.exempt(bp)`` (the crew API does).
* German is the default language; ``/auth/lang/en`` switches to English (kept in the session).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import Babel
from flask_babel import gettext as _
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFProtect

from greentour.accounts import service as accounts
from greentour.accounts.members import Account, load_account
from greentour.accounts.sessions import check_session, end_session, open_session
from greentour.errors import Forbidden, TooManyRequests
from greentour.settings import get_settings
from web.db import get_engine

csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
LANGUAGES = ("de", "en")

bp = Blueprint("auth", __name__, url_prefix="/auth", template_folder="templates")

F = TypeVar("F", bound=Callable[..., Any])


class LoggedIn(UserMixin):
    """The flask-login user: one account (user in one tenant with one role)."""

    def __init__(self, account: Account) -> None:
        self.account = account

    def get_id(self) -> str:
        return f"{self.account.user_id}:{self.account.tenant_id}"

    @property
    def tenant_id(self) -> int:
        return self.account.tenant_id

    @property
    def role(self) -> str:
        return self.account.role


@login_manager.user_loader
def _load_user(user_id: str) -> LoggedIn | None:
    try:
        uid, tid = (int(part) for part in user_id.split(":"))
    except ValueError:
        return None
    settings = get_settings()
    engine = get_engine()
    if not check_session(engine, session.get(SESSION_KEY), uid, tid,
                         idle_s=settings.session_idle_s, max_s=settings.session_max_s):
        return None
    account = load_account(engine, uid, tid)
    return LoggedIn(account) if account else None


#: The key of the server-side session id in the signed cookie.
SESSION_KEY = "gt_sid"


def role_required(*roles: str) -> Callable[[F], F]:
    """View decorator: logged in with one of ``roles`` (admin may do what a planner may; the
    read-only role viewer may open what a planner may read, GET and HEAD only)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            role = current_user.role
            # viewer: read-only – may look (GET/HEAD) wherever a planner may, never change
            reading = role == "viewer" and "planner" in roles and request.method in ("GET",
                                                                                   "HEAD")
            if role not in roles and role != "admin" and not reading:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


planner_required = role_required("planner")
admin_required = role_required("admin")


def _safe_next(target: str | None) -> str:
    """Only same-site relative redirects after login (no open redirect)."""
    if not target:
        return url_for("planner.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("planner.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Login form; on success into the planner (or the page the user came from)."""
    error = None
    if request.method == "POST":
        try:
            account = accounts.login(
                get_engine(), request.form.get("username", ""),
                request.form.get("password", ""), request.remote_addr or "unbekannt",
            )
        except TooManyRequests as exc:
            response = make_response(render_template("auth/login.html", error=exc.message), 429)
            response.headers["Retry-After"] = str(exc.retry_after_s)
            return response
        except Forbidden as exc:
            error = exc.message
        else:
            lang = session.get("lang") or account.locale
            end_session(get_engine(), session.get(SESSION_KEY), "new_login")
            session.clear()  # a new session id: no fixation of a session set before the login
            session[SESSION_KEY] = open_session(get_engine(), account.user_id, account.tenant_id)
            login_user(LoggedIn(account))
            session["lang"] = lang
            return redirect(_safe_next(request.args.get("next")))
    status = 401 if error else 200
    return render_template("auth/login.html", error=error), status


@bp.post("/logout")
def logout() -> Any:
    """Log out (POST with CSRF token, so a foreign page cannot log the user out)."""
    end_session(get_engine(), session.get(SESSION_KEY), "logout")
    logout_user()
    session.clear()
    flash(_("Abgemeldet."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/lang/<code>")
def set_language(code: str) -> Any:
    """Switch the UI language (de or en) and return to the previous page."""
    if code not in LANGUAGES:
        abort(404)
    session["lang"] = code
    return redirect(_safe_next(request.referrer and urlsplit(request.referrer).path))


def select_locale() -> str:
    """The UI language: the session's choice, else German."""
    lang = session.get("lang")
    return lang if lang in LANGUAGES else "de"


def init_app(app: Flask) -> None:
    """Register login, CSRF, secure cookies, Babel and the auth blueprint on ``app``."""
    insecure = get_settings().insecure_cookies == "1"
    # Flask's defaults (not Secure, no SameSite) are replaced, not merely defaulted
    secure = not (app.debug or app.testing or insecure)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
    )
    settings = get_settings()
    # the signed cookie itself expires with the absolute timeout (Flask's default: 31 days)
    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(seconds=settings.session_max_s)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 12 * 3600)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "de")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(_translations_dir()))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Bitte anmelden."
    login_manager.session_protection = "strong"
    if "babel" not in app.extensions:
        babel.init_app(app, locale_selector=select_locale)
    app.register_blueprint(bp)

    @app.context_processor
    def _inject() -> dict[str, Any]:
        return {"current_lang": select_locale(), "languages": LANGUAGES}


def _translations_dir() -> Any:
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "translations"

