"""OGC API - Features Part 1 Core, framework-free (pygeoapi style).

Every endpoint is a function ``(service, request, ...) -> ApiResponse``: the request is a small
object with the base URL of the tenant's API and the query arguments; the response carries status,
headers and content. The Flask blueprint (web/gis) only builds the request, checks access and
copies the response. Collections are the GIS layers of :mod:`greentour.gis.records` (one geometry
type each); features come from :func:`greentour.gis.export.live_layers` through ``service.load``.

Implemented: landing page (links service-desc, service-doc, conformance, data, license),
conformance (core, geojson, oas30), collections with spatial/temporal extent and QGIS style links,
items with ``limit`` (clamped to the maximum), ``offset`` paging via ``next``/``prev`` links,
``bbox`` (CRS84), ``datetime``, ``numberMatched``/``numberReturned``/``timeStamp``, single items,
``application/geo+json``; unknown query parameters are answered with 400.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from greentour.errors import GreentourError, NotFound
from greentour.gis import ogc_query as Q
from greentour.gis.geojson import MEDIA_TYPE as GEOJSON
from greentour.gis.geojson import dumps, feature_dict
from greentour.gis.licence import OSM_LICENCE_URL, SHARE_ALIKE_NOTE, licence_for
from greentour.gis.ogc_openapi import openapi_document
from greentour.gis.records import (
    LAYER_SPECS,
    PUBLIC_LAYER_SPECS,
    Layer,
    LayerSet,
    LayerSpec,
    project,
)
from greentour.gis.styles import QML_MEDIA_TYPE, read_style

log = logging.getLogger(__name__)

JSON = "application/json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
HTML = "text/html; charset=utf-8"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
TRS_GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
_warned_public: set[str] = set()


@dataclass(frozen=True)
class ApiRequest:
    """What the core needs of an HTTP request: the tenant API's base URL (no trailing slash)
    and the query arguments as name -> list of values."""

    base_url: str
    args: Mapping[str, Sequence[str]] = field(default_factory=dict)


@dataclass
class ApiResponse:
    """Status, headers and body of an answer."""

    status: int
    headers: dict[str, str]
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)


@dataclass
class Service:
    """One tenant's OGC API: identity, public flag, time zone, paging limits and a loader of
    its current layers (called at most once per request).

    ``anonymous`` is set for a public town read without credentials: it then publishes
    :data:`~greentour.gis.records.PUBLIC_LAYER_SPECS` only (sites and due dates) and never names
    the town (``name`` is not shown)."""

    slug: str
    name: str
    is_public: bool
    timezone: str
    load: Callable[[], LayerSet]
    max_limit: int = Q.MAX_LIMIT
    default_limit: int = Q.DEFAULT_LIMIT
    anonymous: bool = False

    @property
    def specs(self) -> tuple[LayerSpec, ...]:
        """The collections this caller may read."""
        return PUBLIC_LAYER_SPECS if self.anonymous else LAYER_SPECS

    @property
    def display_name(self) -> str:
        """The town's name for members; a neutral title for anonymous callers."""
        return "öffentliche Grünflächen" if self.anonymous else self.name

    def __post_init__(self) -> None:
        if self.max_limit < 1:
            raise ValueError("max_limit must be at least 1")
        self.default_limit = min(self.default_limit, self.max_limit)

    @cached_property
    def layers(self) -> LayerSet:
        return self.load()

    def share_alike_warning(self) -> str | None:
        """The share-alike note when a public tenant exposes OSM-derived collections (logged
        once per process and tenant)."""
        if not self.is_public:
            return None
        osm_layers = [
            layer.spec.id for layer in self.layers.non_empty()
            if layer.spec.osm_derived or any(f.properties.get("source") == "osm"
                                             for f in layer.features)
        ]
        if not osm_layers:
            return None
        if self.slug not in _warned_public:
            _warned_public.add(self.slug)
            log.warning(
                "public tenant %s exposes OpenStreetMap-derived collections (%s): ODbL "
                "share-alike applies to the published data", self.slug, ", ".join(osm_layers),
            )
        return SHARE_ALIKE_NOTE


def _respond(status: int, body: Any, media_type: str = JSON) -> ApiResponse:
    if isinstance(body, str | bytes):
        content = body.encode("utf-8") if isinstance(body, str) else body
    else:
        content = dumps(body).encode("utf-8")
    return ApiResponse(status, {"Content-Type": media_type}, content)


def error_response(exc: GreentourError) -> ApiResponse:
    """An OGC exception document (``code``, ``description``) with the error's HTTP status."""
    code = {400: "InvalidParameterValue", 401: "NotAuthorized", 403: "Forbidden",
            404: "NotFound"}.get(exc.http_status, "ServerError")
    return _respond(exc.http_status, {"code": code, "description": exc.message})


def _handled(func: Callable[..., ApiResponse]) -> Callable[..., ApiResponse]:
    def wrapper(*args: Any, **kwargs: Any) -> ApiResponse:
        try:
            return func(*args, **kwargs)
        except GreentourError as exc:
            return error_response(exc)

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


def _link(href: str, rel: str, type_: str, title: str) -> dict[str, str]:
    return {"href": href, "rel": rel, "type": type_, "title": title}


def _no_params(req: ApiRequest) -> None:
    Q.check_known(req.args, frozenset({"f"}))


# --------------------------------------------------------------------------- landing, conformance
@_handled
def landing(service: Service, req: ApiRequest) -> ApiResponse:
    """Landing page: title, description, links (and the share-alike note for public tenants)."""
    _no_params(req)
    base = req.base_url
    content = (
        "Grünflächen und ihre nächste Fälligkeit" if service.anonymous
        else f"Grünflächen, Touren, Stopps und nicht eingeplante Aufgaben von {service.name}"
    )
    description = (
        f"{content} als OGC API – Features (GeoJSON, WGS84). Daten aus OpenStreetMap: "
        "© OpenStreetMap contributors, ODbL."
    )
    doc: dict[str, Any] = {
        "title": f"greentour – {service.display_name}",
        "description": description,
        "attribution": "© OpenStreetMap contributors, ODbL",
        "links": [
            _link(f"{base}/", "self", JSON, "diese Seite"),
            _link(f"{base}/openapi", "service-desc", OPENAPI, "API-Beschreibung (OpenAPI 3.0)"),
            _link(f"{base}/docs", "service-doc", "text/html", "Dokumentation der Schnittstelle"),
            _link(f"{base}/conformance", "conformance", JSON, "Konformitätsklassen"),
            _link(f"{base}/collections", "data", JSON, "Sammlungen"),
            _link(OSM_LICENCE_URL, "license", "text/html", "ODbL 1.0 (OpenStreetMap-Daten)"),
        ],
    }
    warning = service.share_alike_warning()
    if warning:
        doc["description"] += " Hinweis: " + warning
        doc["warnings"] = [warning]
    return _respond(200, doc)


@_handled
def conformance(service: Service, req: ApiRequest) -> ApiResponse:
    """The conformance classes this API implements."""
    _no_params(req)
    return _respond(200, {"conformsTo": CONFORMANCE})


# --------------------------------------------------------------------------- collections
def _extent(service: Service, layer: Layer) -> dict[str, Any]:
    extent: dict[str, Any] = {}
    if layer.features:
        boxes = [f.geometry.bounds for f in layer.features]
        extent["spatial"] = {
            "bbox": [[round(min(b[0] for b in boxes), 7), round(min(b[1] for b in boxes), 7),
                      round(max(b[2] for b in boxes), 7), round(max(b[3] for b in boxes), 7)]],
            "crs": Q.CRS84,
        }
    if Q.has_time(layer.spec):
        tz = ZoneInfo(service.timezone)
        spans = [s for f in layer.features
                 if (s := Q.feature_interval(layer.spec, f, tz)) is not None]
        interval = [
            min(s[0] for s in spans).astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
            max(s[1] for s in spans).astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        ] if spans else [None, None]
        extent["temporal"] = {"interval": [interval], "trs": TRS_GREGORIAN}
    return extent


def _collection_doc(service: Service, base: str, spec: LayerSpec) -> dict[str, Any]:
    layer = service.layers.layer(spec.id)
    osm = spec.osm_derived or any(f.properties.get("source") == "osm" for f in layer.features)
    licence = licence_for(osm, service.layers.extra_attribution)
    href = f"{base}/collections/{spec.id}"
    links = [
        _link(href, "self", JSON, spec.title),
        _link(f"{href}/items", "items", GEOJSON, f"{spec.title} (GeoJSON)"),
    ]
    if spec.style:
        style_href = f"{base}/styles/{spec.style}"
        links.append(_link(style_href, "describedby", QML_MEDIA_TYPE, "QGIS-Stil (QML)"))
        links.append(_link(style_href, "style", QML_MEDIA_TYPE, "QGIS-Stil (QML)"))
    if licence.url:
        links.append(_link(licence.url, "license", "text/html", licence.name or ""))
    return {
        "id": spec.id,
        "title": spec.title,
        "description": spec.description,
        "itemType": "feature",
        "geometryType": spec.geometry_type,
        "crs": [Q.CRS84],
        "storageCrs": Q.CRS84,
        "extent": _extent(service, layer),
        "attribution": "; ".join(licence.attribution),
        "links": links,
    }


@_handled
def collections(service: Service, req: ApiRequest) -> ApiResponse:
    """All collections (one per GIS layer, fixed order) with extents and links."""
    _no_params(req)
    base = req.base_url
    return _respond(200, {
        "links": [_link(f"{base}/collections", "self", JSON, "Sammlungen")],
        "collections": [_collection_doc(service, base, spec) for spec in service.specs],
    })


def _spec(service: Service, collection_id: str) -> LayerSpec:
    spec = next((s for s in service.specs if s.id == collection_id), None)
    if spec is None:
        raise NotFound(
            f"Sammlung „{collection_id}“ gibt es nicht; vorhanden: "
            + ", ".join(s.id for s in service.specs)
        )
    return spec


@_handled
def collection(service: Service, req: ApiRequest, collection_id: str) -> ApiResponse:
    """One collection's description."""
    _no_params(req)
    return _respond(200, _collection_doc(service, req.base_url, _spec(service, collection_id)))


# --------------------------------------------------------------------------- items
def _page_href(base: str, args: Mapping[str, Sequence[str]], limit: int, offset: int) -> str:
    params = [(k, v[0]) for k, v in sorted(args.items()) if k not in ("limit", "offset") and v]
    params += [("limit", str(limit)), ("offset", str(offset))]
    return f"{base}?{urlencode(params)}"


def _now_z() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@_handled
def items(service: Service, req: ApiRequest, collection_id: str) -> ApiResponse:
    """A page of features matching bbox/datetime, ordered by id, with paging links."""
    spec = _spec(service, collection_id)
    query = Q.parse_items_query(req.args, service.timezone, service.max_limit,
                                service.default_limit)
    layer = service.layers.layer(spec.id)
    matched = Q.filter_features(spec, layer.features, query, service.timezone)
    page = matched[query.offset:query.offset + query.limit]
    tz = ZoneInfo(service.timezone)
    osm = spec.osm_derived or any(f.properties.get("source") == "osm" for f in layer.features)
    licence = licence_for(osm, service.layers.extra_attribution)
    href = f"{req.base_url}/collections/{spec.id}/items"
    links = [
        _link(_page_href(href, req.args, query.limit, query.offset), "self", GEOJSON,
              "diese Seite"),
        _link(f"{req.base_url}/collections/{spec.id}", "collection", JSON, spec.title),
    ]
    if query.offset + query.limit < len(matched):
        links.append(_link(_page_href(href, req.args, query.limit, query.offset + query.limit),
                           "next", GEOJSON, "nächste Seite"))
    if query.offset > 0:
        links.append(_link(_page_href(href, req.args, query.limit,
                                      max(0, query.offset - query.limit)),
                           "prev", GEOJSON, "vorige Seite"))
    doc = {
        "type": "FeatureCollection",
        "features": [feature_dict(spec, project(spec, f), tz) for f in page],
        "numberMatched": len(matched),
        "numberReturned": len(page),
        "timeStamp": _now_z(),
        "attribution": "; ".join(licence.attribution),
        "licence": licence.as_member(),
        "links": links,
    }
    response = _respond(200, doc, GEOJSON)
    response.headers["Content-Crs"] = f"<{Q.CRS84}>"
    if query.limit_clamped:
        response.headers["Warning"] = f'199 - "limit auf {service.max_limit} begrenzt"'
    return response


@_handled
def item(service: Service, req: ApiRequest, collection_id: str, feature_id: str) -> ApiResponse:
    """One feature by its stable id."""
    spec = _spec(service, collection_id)
    Q.check_known(req.args, Q.ITEM_PARAMS)
    try:
        fid = int(feature_id)
    except ValueError:
        raise NotFound(f"Objekt „{feature_id}“ gibt es in {spec.id} nicht") from None
    found = [f for f in service.layers.layer(spec.id).features if f.fid == fid]
    if not found:
        raise NotFound(f"Objekt {fid} gibt es in {spec.id} nicht")
    doc = feature_dict(spec, project(spec, found[0]), ZoneInfo(service.timezone))
    href = f"{req.base_url}/collections/{spec.id}"
    doc["links"] = [
        _link(f"{href}/items/{fid}", "self", GEOJSON, "dieses Objekt"),
        _link(href, "collection", JSON, spec.title),
    ]
    response = _respond(200, doc, GEOJSON)
    response.headers["Content-Crs"] = f"<{Q.CRS84}>"
    return response


# --------------------------------------------------------------------------- styles, docs
@_handled
def style(service: Service, req: ApiRequest, name: str) -> ApiResponse:
    """A shipped QGIS style (QML) referenced by a collection."""
    _no_params(req)
    if name not in {s.style for s in LAYER_SPECS}:
        raise NotFound(f"Stil „{name}“ gibt es nicht")
    return _respond(200, read_style(name), QML_MEDIA_TYPE)


@_handled
def service_doc(service: Service, req: ApiRequest) -> ApiResponse:
    """A short HTML page: what the API offers and how to add it in QGIS."""
    _no_params(req)
    rows = "".join(
        f"<li><code>{html.escape(s.id)}</code> – {html.escape(s.title)} "
        f"({html.escape(s.geometry_type)}): {html.escape(s.description)}</li>"
        for s in service.specs
    )
    auth = ("öffentlich, ohne Anmeldung" if service.is_public else
            "Anmeldung mit Benutzername und Passwort (HTTP Basic) oder GIS-Token "
            "(Kopfzeile <code>X-Greentour-Token</code>)")
    page = f"""<!doctype html><html lang="de"><head><meta charset="utf-8">
<title>greentour OGC API – {html.escape(service.display_name)}</title></head><body>
<h1>OGC API – Features: {html.escape(service.display_name)}</h1>
<p>Adresse für QGIS: <code>{html.escape(req.base_url)}</code> ({auth}).</p>
<ol><li>QGIS: <em>Layer → Layer hinzufügen → WFS / OGC API – Features</em>.</li>
<li><em>Neu</em>, Name „greentour“, URL wie oben, bei Bedarf Authentifizierung (Basic).</li>
<li><em>Verbinden</em>, Sammlungen auswählen, <em>Hinzufügen</em>.</li></ol>
<h2>Sammlungen</h2><ul>{rows}</ul>
<p>Daten aus OpenStreetMap: © OpenStreetMap contributors, ODbL 1.0.</p>
</body></html>"""
    return _respond(200, page, HTML)


@_handled
def openapi(service: Service, req: ApiRequest) -> ApiResponse:
    """The OpenAPI 3.0 document of this tenant's API, generated from the layer specs."""
    _no_params(req)
    return _respond(200, openapi_document(service, req.base_url), OPENAPI)

