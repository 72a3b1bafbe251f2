"""Credentials from HTTP headers (web/http_auth.py): Basic, Bearer and the GIS token header."""

from __future__ import annotations

import base64

from greentour.gis.access import Credentials
from web.http_auth import basic_credentials, bearer_token, gis_credentials


def _basic(text: str) -> str:
    return "Basic " + base64.b64encode(text.encode()).decode()


def test_basic_credentials_read_name_and_password() -> None:
    """Basic gives name and password (a colon in the password kept); unreadable is None."""
    assert basic_credentials(_basic("anna:geh:eim")) == ("anna", "geh:eim")
    assert basic_credentials(_basic("ohne-doppelpunkt")) is None
    assert basic_credentials("Basic %%%") is None
    assert basic_credentials("Bearer abc") is None


def test_bearer_token_only_for_the_bearer_scheme() -> None:
    """Bearer gives the token (case-insensitive scheme); empty or other schemes give None."""
    assert bearer_token("Bearer  abc ") == "abc"
    assert bearer_token("bearer abc") == "abc"
    assert bearer_token("Bearer ") is None
    assert bearer_token(_basic("a:b")) is None


def test_gis_credentials_prefer_the_token_header() -> None:
    """The token header wins over Bearer and Basic; an unreadable header still counts as sent."""
    assert gis_credentials({"X-Greentour-Token": "t1", "Authorization": "Bearer t2"}) == \
        Credentials(token="t1", sent=True)
    assert gis_credentials({"Authorization": "Bearer t2"}) == Credentials(token="t2", sent=True)
    assert gis_credentials({"Authorization": _basic("anna:pw")}) == \
        Credentials(username="anna", password="pw", sent=True)
    assert gis_credentials({"Authorization": "Basic %%%"}) == Credentials(sent=True)
    assert gis_credentials({}) == Credentials()
