"""``N_``: marks a msgid for extraction without translating it (``pybabel extract -k N_``)."""

from __future__ import annotations


def N_(msgid: str) -> str:  # noqa: N802 - the marker's conventional name
    """Return ``msgid`` unchanged; the extractor finds it, the caller translates it at use."""
    return msgid
