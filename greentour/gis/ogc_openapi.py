"""The OpenAPI 3.0 document of a tenant's OGC API, generated from the layer specs (never
hand-written), so new layers and fields appear in it automatically."""

from __future__ import annotations

from typing import Any

_TYPES = {"int": {"type": "integer"}, "float": {"type": "number"}, "str": {"type": "string"},
          "bool": {"type": "boolean"}, "date": {"type": "string", "format": "date"},
          "datetime": {"type": "string", "format": "date-time"}}


def _param(name: str, schema: dict[str, Any], description: str, where: str = "query",
           required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required, "schema": schema,
            "description": description, **({"style": "form", "explode": False}
                                            if name == "bbox" else {})}


def _json(description: str, media: str = "application/json") -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": {"type": "object"}}}}


def openapi_document(service: Any, base_url: str) -> dict[str, Any]:
    """OpenAPI 3.0.3 for landing page, conformance, collections, items and single items."""
    errors = {"400": _json("Ungültige Abfrage"), "404": _json("Nicht gefunden")}
    paths: dict[str, Any] = {
        "/": {"get": {"summary": "Startseite", "operationId": "landing",
                      "responses": {"200": _json("Startseite")}}},
        "/conformance": {"get": {"summary": "Konformitätsklassen", "operationId": "conformance",
                                 "responses": {"200": _json("Konformität")}}},
        "/collections": {"get": {"summary": "Sammlungen", "operationId": "collections",
                                 "responses": {"200": _json("Sammlungen")}}},
    }
    page = [
        _param("limit", {"type": "integer", "minimum": 1, "maximum": service.max_limit,
                         "default": service.default_limit},
               f"Objekte je Seite; größere Werte werden auf {service.max_limit} begrenzt"),
        _param("offset", {"type": "integer", "minimum": 0, "default": 0},
               "Anzahl übersprungener Objekte (aus den next-Links)"),
        _param("bbox", {"type": "array", "minItems": 4, "maxItems": 6,
                        "items": {"type": "number"}}, "Ausschnitt lon,lat,lon,lat (CRS84)"),
        _param("bbox-crs", {"type": "string"}, "nur CRS84"),
        _param("crs", {"type": "string"}, "nur CRS84 (Ausgabe-KBS)"),
    ]
    for spec in service.specs:
        params = list(page)
        if spec.id in ("tours", "stops", "unassigned"):
            params.append(_param("datetime", {"type": "string"},
                                 "Zeitpunkt oder Intervall nach RFC 3339 (a/b, ../b, a/..)"))
        props = {f.name: {**_TYPES[f.type], "title": f.title} for f in spec.fields}
        feature_schema = {"type": "object", "properties": {
            "type": {"type": "string"}, "id": {"type": "integer"},
            "geometry": {"type": "object"},
            "properties": {"type": "object", "properties": props}}}
        base = f"/collections/{spec.id}"
        paths[base] = {"get": {"summary": spec.title, "operationId": f"describe_{spec.id}",
                               "responses": {"200": _json(spec.description), **errors}}}
        paths[f"{base}/items"] = {"get": {
            "summary": f"{spec.title}: Objekte", "operationId": f"items_{spec.id}",
            "parameters": params,
            "responses": {"200": {"description": "GeoJSON FeatureCollection", "content": {
                "application/geo+json": {"schema": {"type": "object", "properties": {
                    "type": {"type": "string"},
                    "features": {"type": "array", "items": feature_schema},
                    "numberMatched": {"type": "integer"},
                    "numberReturned": {"type": "integer"},
                    "timeStamp": {"type": "string", "format": "date-time"}}}}}},
                **errors}}}
        paths[f"{base}/items/{{featureId}}"] = {"get": {
            "summary": f"{spec.title}: ein Objekt", "operationId": f"item_{spec.id}",
            "parameters": [_param("featureId", {"type": "integer"}, "stabile ID", "path", True)],
            "responses": {"200": {"description": "GeoJSON Feature", "content": {
                "application/geo+json": {"schema": feature_schema}}}, **errors}}}
    doc: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": f"greentour OGC API – {service.display_name}", "version": "1.0.0",
                 "license": {"name": "ODbL-1.0 (OpenStreetMap-Daten)",
                             "url": "https://opendatacommons.org/licenses/odbl/1-0/"}},
        "servers": [{"url": base_url}],
        "paths": paths,
    }
    if not service.is_public:
        doc["components"] = {"securitySchemes": {
            "basic": {"type": "http", "scheme": "basic"},
            "token": {"type": "apiKey", "in": "header", "name": "X-Greentour-Token"}}}
        doc["security"] = [{"basic": []}, {"token": []}]
    return doc
