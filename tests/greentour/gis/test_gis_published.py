"""GIS shows what the crews' tablets show: the published plan of each day, never a draft.

A copy of the GIS sample (a published plan of Monday 2026-06-01 with two tours) gets a newer
draft of Monday (one tour, a task the published plan left unassigned now planned) and a draft of
Tuesday. The live layers, the OGC API (real Flask app, GDAL-readable GeoJSON), the day export
(GeoPackage read back with pyogrio) and the CLI must all show the published tours — the same
tour the tablet gets (:func:`greentour.crew.tour.current_tour`) — and refuse the draft unless it
is asked for by name.
"""

from __future__ import annotations

import base64
import datetime as dt
import shutil

import pyogrio
import pytest
from click.testing import CliRunner
from gis_sample import DAY, GIS_PASSWORD, GIS_USER
from sqlalchemy import select

from greentour.cli import cli
from greentour.crew.tour import current_tour
from greentour.errors import Conflict, NotFound
from greentour.gis.export import export_days, export_plan, live_layers, plan_layers
from greentour.store import make_engine, models, tenant_session
from web import create_app

TUESDAY = DAY + dt.timedelta(days=1)


@pytest.fixture
def drafted(gis_sample, tmp_path):
    """(db url, engine, draft ids) of a copy of the GIS sample with two drafts added."""
    source = gis_sample.db_url.removeprefix("sqlite:///")
    copy = tmp_path / "gis-drafts.sqlite"
    shutil.copy(source, copy)
    url = f"sqlite:///{copy}"
    engine = make_engine(url)
    with tenant_session(engine, gis_sample.tenant_id) as s, s.begin():
        published = s.get(models.Plan, gis_sample.plan_id)
        crew_day = s.scalars(select(models.CrewDay).where(models.CrewDay.date == DAY)
                             .order_by(models.CrewDay.id)).first()
        late = s.get(models.Task, s.scalar(select(models.Unassigned.task_id)
                                           .where(models.Unassigned.plan_id == published.id)))
        late.status = "planned"  # what storing a draft does to the tasks it plans
        monday = models.Plan(date_from=DAY, date_to=DAY, status="done", version=2,
                             parent_id=published.id, solver_version="test")
        tuesday_crew = models.CrewDay(
            date=TUESDAY, name="Kolonne 1", vehicle_id=crew_day.vehicle_id,
            shift_start=dt.time(6, 30), shift_end=dt.time(15, 30), depot_id=crew_day.depot_id)
        tuesday = models.Plan(date_from=TUESDAY, date_to=TUESDAY, status="done", version=1,
                              solver_version="test")
        s.add_all([monday, tuesday, tuesday_crew])
        s.flush()
        for plan, cd in ((monday, crew_day), (tuesday, tuesday_crew)):
            tour = models.Tour(plan_id=plan.id, crew_day_id=cd.id)
            s.add(tour)
            s.flush()
            start = dt.datetime(plan.date_from.year, plan.date_from.month, plan.date_from.day,
                                5, 0, tzinfo=dt.UTC)
            s.add_all([
                models.Stop(tour_id=tour.id, seq=1, kind="task", task_id=late.id,
                            arrival_at=start, start_at=start,
                            end_at=start + dt.timedelta(seconds=late.duration_s)),
                models.Stop(tour_id=tour.id, seq=2, kind="depot",
                            arrival_at=start + dt.timedelta(hours=2)),
            ])
        ids = {"monday": monday.id, "tuesday": tuesday.id, "late_site": late.site_id,
               "crew_day": crew_day.id}
    yield url, engine, ids
    engine.dispose()


def test_live_layers_show_the_published_plan_not_the_newer_draft(gis_sample, drafted):
    """Tours and stops are the published plan's (the tablet's tour); no tour on a day with a
    draft only; a task planned only in the draft is not "planned" on the map."""
    _url, engine, ids = drafted
    layers = live_layers(engine, gis_sample.tenant_id, today=DAY)
    tours = layers.layer("tours").features
    assert [f.fid for f in tours] == gis_sample.tour_ids
    assert {f.properties["plan_id"] for f in tours} == {gis_sample.plan_id}
    assert {f.properties["date"] for f in tours} == {DAY}
    assert {f.properties["plan_id"] for f in layers.layer("stops").features} == {
        gis_sample.plan_id}
    with tenant_session(engine, gis_sample.tenant_id) as s:
        tablet = current_tour(s, ids["crew_day"])
        assert tablet is not None and tablet.plan_id == gis_sample.plan_id
        assert tablet.id in [f.fid for f in tours]
    # the published plan left the task unassigned; the draft's plan of it is not the crews'
    unassigned = layers.layer("unassigned").features
    assert [f.fid for f in unassigned] == gis_sample.unassigned_ids
    site = next(f for k in ("site_areas", "site_lines", "site_points")
                for f in layers.layer(k).features if f.fid == ids["late_site"])
    assert site.properties["need"] == "due" and site.properties["open_tasks"] == 1


def test_publishing_the_draft_moves_gis_with_the_tablets(gis_sample, drafted):
    """Once the Monday draft is published, GIS and the tablet both switch to it."""
    _url, engine, ids = drafted
    with tenant_session(engine, gis_sample.tenant_id) as s, s.begin():
        s.get(models.Plan, ids["monday"]).status = "published"
    layers = live_layers(engine, gis_sample.tenant_id, today=DAY)
    plan_ids = {f.properties["plan_id"] for f in layers.layer("tours").features}
    assert plan_ids == {ids["monday"]}
    with tenant_session(engine, gis_sample.tenant_id) as s:
        assert current_tour(s, ids["crew_day"]).plan_id == ids["monday"]
    assert not layers.layer("unassigned").features  # the task is on the shown tour now
    site = next(f for k in ("site_areas", "site_lines", "site_points")
                for f in layers.layer(k).features if f.fid == ids["late_site"])
    assert site.properties["need"] == "planned"


def test_plan_export_refuses_a_draft_unless_asked(gis_sample, drafted, tmp_path):
    """A draft by id is 409 with a German reason; ``allow_draft`` exports it, marked."""
    _url, engine, ids = drafted
    with pytest.raises(Conflict, match="nicht veröffentlicht"):
        export_plan(engine, gis_sample.tenant_id, ids["monday"], "gpkg", tmp_path / "d.gpkg")
    assert not (tmp_path / "d.gpkg").exists()
    result = export_plan(engine, gis_sample.tenant_id, ids["monday"], "gpkg",
                         tmp_path / "d.gpkg", allow_draft=True)
    assert result.counts["tours"] == 1
    assert "Entwurf" in plan_layers(engine, gis_sample.tenant_id, ids["monday"],
                                    allow_draft=True).title


def test_day_export_and_cli_write_the_published_tours(gis_sample, drafted, tmp_path,
                                                      monkeypatch):
    """``export_days`` / ``greentour export --day`` write the published Monday (GDAL reads the
    two published tours); a day with a draft only is 404; the CLI refuses a draft in one line."""
    url, engine, ids = drafted
    out = tmp_path / "woche.gpkg"
    export_days(engine, gis_sample.tenant_id, DAY, 2, "gpkg", out)
    tours = pyogrio.read_dataframe(out, layer="tours", fid_as_index=True)
    assert sorted(tours.index) == gis_sample.tour_ids
    assert set(tours["plan_id"]) == {gis_sample.plan_id}
    with pytest.raises(NotFound, match="kein Plan veröffentlicht"):
        export_days(engine, gis_sample.tenant_id, TUESDAY, 1, "geojson", tmp_path / "x.json")

    monkeypatch.setenv("GREENTOUR_DATABASE_URL", url)
    runner = CliRunner()
    refused = runner.invoke(cli, ["export", "--tenant", "lauf", "--plan", str(ids["monday"]),
                                  "--format", "gpkg", "--out", str(tmp_path / "e.gpkg")])
    assert refused.exit_code == 1
    assert refused.output.startswith("Fehler: Plan #") and "--draft" in refused.output
    assert "Traceback" not in refused.output
    day = runner.invoke(cli, ["export", "--tenant", "lauf", "--day", DAY.isoformat(),
                              "--days", "2", "--format", "geojson",
                              "--out", str(tmp_path / "tage.geojson")])
    assert day.exit_code == 0, day.output
    assert "tours 2" in day.output
    both = runner.invoke(cli, ["export", "--tenant", "lauf", "--plan", "1", "--day",
                               DAY.isoformat(), "--format", "gpx", "--out", str(tmp_path / "b")])
    assert both.exit_code == 1 and both.output.startswith("Fehler: Bitte genau eines")


def test_ogc_api_and_download_serve_the_published_plan(gis_sample, drafted, tmp_path):
    """The OGC tours collection (read by GDAL) and the planner's download agree with the
    tablets; the download of the draft is 409 unless ``?draft=1``."""
    url, engine, ids = drafted
    app = create_app({
        "TESTING": True, "SECRET_KEY": "gis-published", "WTF_CSRF_ENABLED": False,
        "GREENTOUR_DATABASE_URL": url, "GREENTOUR_AUTO_MIGRATE": False,
    })
    try:
        web = app.test_client()
        basic = base64.b64encode(f"{GIS_USER}:{GIS_PASSWORD}".encode()).decode()
        items = web.get("/ogc/lauf/collections/tours/items",
                        headers={"Authorization": f"Basic {basic}"})
        assert items.status_code == 200
        features = items.get_json()["features"]
        assert sorted(f["id"] for f in features) == gis_sample.tour_ids
        assert {f["properties"]["plan_id"] for f in features} == {gis_sample.plan_id}
        path = tmp_path / "tours.geojson"
        path.write_bytes(items.get_data())
        assert pyogrio.read_info(path)["features"] == 2

        page = web.get("/auth/login").get_data(as_text=True)
        assert "csrf" in page
        answer = web.post("/auth/login", data={"username": GIS_USER, "password": GIS_PASSWORD})
        assert answer.status_code == 302
        draft = web.get(f"/gis/export/plan/{ids['monday']}.geojson")
        assert draft.status_code == 409 and "nicht veröffentlicht" in draft.get_data(as_text=True)
        assert web.get(f"/gis/export/plan/{ids['monday']}.geojson?draft=1").status_code == 200
        days = web.get(f"/gis/export/days?day={DAY.isoformat()}&days=2&format=geojson")
        assert days.status_code == 200
        assert sorted(f["id"] for f in days.get_json()["features"]
                      if f["properties"]["layer"] == "tours") == [
                          f"tours.{i}" for i in gis_sample.tour_ids]
        assert web.get("/gis/export/days?day=2026-13-01").status_code == 400
        token_page = web.get("/gis/token").get_data(as_text=True)
        assert 'id="download-days"' in token_page and 'value="' in token_page
    finally:
        app.extensions["greentour_engine"].dispose()
