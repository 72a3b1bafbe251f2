"""GPX 1.1 of crew-days: per tour a route (the stops in order) and a track (road geometry).

Navigation apps and handheld GPS units read GPX: the ``rte`` lists the stops as route points
(name ``"3. Mähen – Stadtpark"`` with the site named as everywhere else, see
:func:`greentour.workplace.labels.site_label`; ``"0. Abfahrt – Bauhof Lauf"`` first and
``"Rückkehr – Bauhof Lauf"`` last; time = ETA), the ``trk`` follows the planned road geometry,
the drive back to the depot included. GPX times are UTC (``xsd:dateTime`` with ``Z``);
coordinates WGS84 with 7 decimals. The licence goes into ``metadata/copyright`` and the
attribution into ``metadata/desc``.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from greentour.gis.licence import licence_for
from greentour.gis.records import Feature, LayerSet

GPX_NS = "http://www.topografix.com/GPX/1/1"
GPX_SCHEMA = "http://www.topografix.com/GPX/1/1/gpx.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
MEDIA_TYPE = "application/gpx+xml"


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{GPX_NS}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def _point(parent: ET.Element, tag: str, lon: float, lat: float) -> ET.Element:
    return _sub(parent, tag, lat=f"{lat:.7f}", lon=f"{lon:.7f}")


def gpx_document(layers: LayerSet, tour_ids: Iterable[int] | None = None) -> ET.ElementTree:
    """The GPX 1.1 tree of the chosen tours (all tours of the layer set when None)."""
    tours = layers.layer("tours").features
    if tour_ids is not None:
        wanted = set(tour_ids)
        unknown = wanted - {t.fid for t in tours}
        if unknown:
            raise ValueError(f"tour(s) {sorted(unknown)} are not part of this plan")
        tours = [t for t in tours if t.fid in wanted]
    if not tours:
        raise ValueError("the plan has no tours to write as GPX")
    stops_by_tour: dict[int, list[Feature]] = {}
    for stop in layers.layer("stops").features:
        stops_by_tour.setdefault(stop.properties["tour_id"], []).append(stop)

    ET.register_namespace("", GPX_NS)
    ET.register_namespace("xsi", XSI_NS)
    root = ET.Element(
        f"{{{GPX_NS}}}gpx",
        {"version": "1.1", "creator": "greentour",
         f"{{{XSI_NS}}}schemaLocation": f"{GPX_NS} {GPX_SCHEMA}"},
    )
    licence = licence_for(True, layers.extra_attribution)
    meta = _sub(root, "metadata")
    _sub(meta, "name", layers.title)
    _sub(meta, "desc", "; ".join(licence.attribution))
    copyright_el = _sub(meta, "copyright", author="OpenStreetMap contributors")
    _sub(copyright_el, "license", licence.url)
    _sub(meta, "time", _utc(dt.datetime.now(dt.UTC)))
    minx, miny, maxx, maxy = _bounds(tours, stops_by_tour)
    _sub(meta, "bounds", minlat=f"{miny:.7f}", minlon=f"{minx:.7f}",
         maxlat=f"{maxy:.7f}", maxlon=f"{maxx:.7f}")

    for tour in tours:
        _route(root, tour, sorted(stops_by_tour.get(tour.fid, []),
                                  key=lambda s: s.properties["sequence"]), layers.task_labels)
    for tour in tours:
        _track(root, tour)
    return ET.ElementTree(root)


def _title(tour: Feature) -> str:
    p = tour.properties
    return f"{p['crew']} {p['date'].isoformat()}"


def _route(root: ET.Element, tour: Feature, stops: list[Feature],
           task_labels: dict[str, str]) -> None:
    rte = _sub(root, "rte")
    _sub(rte, "name", _title(tour))
    _sub(rte, "desc", f"{len(stops)} Stopps, {tour.properties['distance_m'] / 1000:.1f} km")
    _sub(rte, "number", str(tour.fid))
    for stop in stops:
        p = stop.properties
        pt = _point(rte, "rtept", stop.geometry.x, stop.geometry.y)
        if p["eta"] is not None:
            _sub(pt, "time", _utc(p["eta"]))
        what = _what(p, stop is stops[0], task_labels)
        _sub(pt, "name", f"{p['sequence']}. {what} – {p['site_name']}")
        if p["kind"] == "task":
            _sub(pt, "desc", f"Fläche {p['site_id']}, Aufgabe {p['task_id']}, "
                             f"Dauer {round((p['duration_s'] or 0) / 60)} min")


def _what(p: dict, first: bool, task_labels: dict[str, str]) -> str:
    """What happens at a route point: the task (German name), unloading, leaving or back at
    the depot."""
    if p["kind"] == "depot":
        return "Abfahrt" if first else "Rückkehr"
    if p["kind"] == "reload":
        return "Abladen"
    return task_labels.get(str(p["task_type"]), str(p["task_type"]))


def _track(root: ET.Element, tour: Feature) -> None:
    trk = _sub(root, "trk")
    _sub(trk, "name", _title(tour))
    _sub(trk, "number", str(tour.fid))
    seg = _sub(trk, "trkseg")
    geom = tour.geometry
    parts = geom.geoms if geom.geom_type.startswith("Multi") else [geom]
    for part in parts:
        for lon, lat, *_ in part.coords:
            _point(seg, "trkpt", lon, lat)


def _bounds(tours: list[Feature], stops_by_tour: dict[int, list[Feature]]):
    boxes = [t.geometry.bounds for t in tours if not t.geometry.is_empty]
    boxes += [s.geometry.bounds for t in tours for s in stops_by_tour.get(t.fid, [])]
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


def write_gpx(layers: LayerSet, path, tour_ids: Iterable[int] | None = None) -> int:
    """Write the chosen tours as GPX 1.1 to ``path``; return the number of tours written."""
    tree = gpx_document(layers, tour_ids)
    ET.indent(tree)
    tree.write(path, encoding="UTF-8", xml_declaration=True)
    return len(tree.getroot().findall(f"{{{GPX_NS}}}trk"))
