"""Credentials from HTTP headers: Basic (user name and password), Bearer and GIS-token headers.

The one place that reads ``Authorization`` and ``X-Greentour-Token``; the services get what the
client sent (:class:`greentour.gis.access.Credentials`, a device token), never headers.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

from greentour.gis.access import Credentials

#: The header QGIS's "API Header" authentication sends a GIS token in.
TOKEN_HEADER = "X-Greentour-Token"


def bearer_token(authorization: str) -> str | None:
    """The token of ``Authorization: Bearer <token>`` (None for another scheme or none)."""
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def basic_credentials(authorization: str) -> tuple[str, str] | None:
    """User name and password of ``Authorization: Basic <base64>`` (None if not readable)."""
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    return (username, password) if sep else None


def gis_credentials(headers: Mapping[str, str]) -> Credentials:
    """What a GIS client sent: the token header or a Bearer token, else Basic credentials."""
    authorization = headers.get("Authorization", "")
    token = headers.get(TOKEN_HEADER) or bearer_token(authorization)
    sent = bool(token or authorization)
    if token:
        return Credentials(token=token, sent=sent)
    basic = basic_credentials(authorization)
    if basic is None:
        return Credentials(sent=sent)
    return Credentials(username=basic[0], password=basic[1], sent=sent)
