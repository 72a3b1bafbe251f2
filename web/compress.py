"""gzip for JSON answers (the planner map's data, GeoJSON, the crew API's tours).

A JSON response of at least :data:`MIN_BYTES` is compressed when the client accepts gzip and no
other encoding is set; ``Vary: Accept-Encoding`` tells caches. Compression level 6 (zlib's
default): for the map's GeoJSON about a fifth of the plain size. Streamed responses and
conditional answers (304) are left alone.
"""

from __future__ import annotations

import gzip

from flask import Flask, Response, request

#: smaller answers are sent as they are (gzip's header costs more than it saves)
MIN_BYTES = 1024
GZIP_LEVEL = 6
_TYPES = ("application/json", "application/geo+json", "application/problem+json")


def gzip_json(response: Response) -> Response:
    """Compress ``response`` in place when it is JSON, big enough and the client accepts gzip."""
    if (response.direct_passthrough or response.status_code < 200 or response.status_code >= 300
            or response.mimetype not in _TYPES or "Content-Encoding" in response.headers
            or "gzip" not in request.headers.get("Accept-Encoding", "").lower()):
        return response
    data = response.get_data()
    if len(data) < MIN_BYTES:
        return response
    response.set_data(gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    if response.headers.get("ETag"):
        # a weak validator: the bytes differ from the identity encoding's
        etag, weak = response.get_etag()
        if etag and not weak:
            response.set_etag(etag, weak=True)
    return response


def init_app(app: Flask) -> None:
    """Register :func:`gzip_json` for every response of ``app``."""
    app.after_request(gzip_json)
