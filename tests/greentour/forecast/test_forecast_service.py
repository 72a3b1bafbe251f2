"""Forecast service: weather import into observations, stored sites → forecasts, CLI, job."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from greentour.cli import cli
from greentour.commands.handlers import HANDLERS
from greentour.errors import BadInput, DataImportError, NotFound
from greentour.forecast.compute import forecast_context
from greentour.forecast.service import forecast_tenant
from greentour.forecast.store_io import latest_forecasts
from greentour.forecast.weather import import_tenant_weather, import_weather_file, load_weather
from greentour.jobs import claim_next, enqueue, get_job, run_job
from greentour.store import tenant_session
from greentour.store.models import Observation, Site, SiteLastService
from greentour.store.models_demand import SiteDemand
from greentour.store.models_forecast import SiteForecast as StoredForecast

BREMEN = "weather/produkt_klima_tag_20241226_20260628_00691.txt"
CONFIG = {
    "weather": {"source": "dwd_kl_daily", "station_id": "00691", "files": [BREMEN]},
    "care_classes": {"park": {"care_class": "PK 2", "regime": "utility_intensive"}},
}
LAT, LON = 53.0451, 8.7981


@pytest.fixture
def town(make_tenant):
    return make_tenant("bremen-test", "Bremen Test", config_json=CONFIG)


@pytest.fixture(scope="module")
def ctx(data_dir):
    return forecast_context(data_dir)


def _count(engine, tenant_id, **where) -> int:
    with tenant_session(engine, tenant_id) as s:
        query = select(func.count()).select_from(Observation)
        for key, value in where.items():
            query = query.where(getattr(Observation, key) == value)
        return s.scalar(query)


def _site(s, tenant_id, category, lat, lon, **kw) -> Site:
    site = Site(
        tenant_id=tenant_id,
        name=f"{category} test",
        category=category,
        geometry_geojson=json.dumps({"type": "Point", "coordinates": [lon, lat]}),
        geometry_type="Point",
        lon=lon,
        lat=lat,
        status="accepted",
        in_maintenance=True,
        **kw,
    )
    s.add(site)
    s.flush()
    return site


def _reading(tenant_id: int, site_id: int, hour: int, water_pct: float, **kw) -> Observation:
    """An LSE01 soil-water reading on 19 June 2026 at ``hour`` UTC."""
    return Observation(
        tenant_id=tenant_id,
        kind="sensor",
        site_id=site_id,
        station_id="eui-a8404194a1875ff3",
        observed_at=dt.datetime(2026, 6, 19, hour, tzinfo=dt.UTC),
        values_json={"water_pct": water_pct},
        source="ttn:dragino-lse01",
        **kw,
    )


def test_import_stores_each_day_once_with_fill_flags(engine, town, data_dir):
    """The Bremen KL file becomes 550 weather observations; a second import updates them; the
    17 days without sunshine carry a fill flag instead of a zero."""
    first = import_tenant_weather(engine, town.id, data_dir=data_dir)[0]
    assert (first.days, first.created, first.updated) == (550, 550, 0)
    assert first.first_day == dt.date(2024, 12, 26) and first.last_day == dt.date(2026, 6, 28)
    again = import_weather_file(engine, town.id, data_dir / BREMEN)
    assert (again.created, again.updated) == (0, 550)
    assert _count(engine, town.id, kind="weather") == 550
    with tenant_session(engine, town.id) as s:
        rows = s.scalars(select(Observation).where(Observation.kind == "weather")).all()
        flagged = [o for o in rows if "sunshine_h" in o.values_json["filled"]]
        assert len(flagged) == 17
        assert all(o.values_json["sunshine_h"] > 0 for o in flagged)  # climatology, not 0
        weather = load_weather(s, s.get(type(town), town.id))
    assert len(weather) == 550
    assert int(weather["sunshine_h_filled"].sum()) == 17


def test_refused_file_stores_nothing(engine, town, tmp_path):
    """A file that is not weather is refused with its name and nothing is stored."""
    bad = tmp_path / "produkt_klima_tag_kaputt.txt"
    bad.write_text("A;B;eor\n1;2;eor\n", encoding="latin-1")
    with pytest.raises(DataImportError, match="produkt_klima_tag_kaputt.txt"):
        import_weather_file(engine, town.id, bad)
    assert _count(engine, town.id, kind="weather") == 0
    with tenant_session(engine, town.id) as s, pytest.raises(NotFound, match="import-weather"):
        load_weather(s, s.get(type(town), town.id))


def _weather(engine, tenant_id) -> dict[dt.date, dict]:
    with tenant_session(engine, tenant_id) as s:
        rows = s.scalars(select(Observation).where(Observation.kind == "weather")).all()
        return {o.observed_at.date(): o.values_json for o in rows}


def test_rows_centuries_apart_are_not_turned_into_invented_days(engine, town, tmp_path):
    """1797 is refused as a date; 1950 and 2023 stay two days, not 26,000 filled ones (#14)."""
    csv = tmp_path / "station.csv"
    csv.write_text("date,tmean_c,precip_mm\n1797-06-01,15,0\n1950-06-01,16,1\n"
                   "2023-06-01,17,2\n2023-06-03,18,0\n", encoding="utf-8")
    summary = import_weather_file(engine, town.id, csv)
    assert summary.rejected_rows == 1 and summary.unfilled_gaps == 1
    assert summary.days == 4 and summary.filled_days == 1  # 2023-06-02 between two rows
    assert "1 Zeilen mit unmöglichem Datum verworfen" in summary.line_de()
    assert "1 Lücken über 62 Tage nicht aufgefüllt" in summary.line_de()
    assert _count(engine, town.id, kind="weather") == 4


def test_impossible_weather_values_are_rejected_counted_and_filled(engine, town, tmp_path):
    """85 °C and -3 mm are kept as rejected, counted, and replaced by flagged fills (#14)."""
    csv = tmp_path / "station.csv"
    rows = [f"2023-06-{d:02d},{20 + d % 3},{25 + d % 4},1.0" for d in range(1, 11)]
    rows[4] = "2023-06-05,21,85,-3"
    csv.write_text("date,tmean_c,tmax_c,precip_mm\n" + "\n".join(rows) + "\n",
                   encoding="utf-8")
    summary = import_weather_file(engine, town.id, csv)
    assert summary.rejected_values == 2
    assert "2 unplausible Werte verworfen" in summary.line_de()
    day = next(v for d, v in _weather(engine, town.id).items() if d == dt.date(2023, 6, 5))
    assert day["rejected"] == {"tmax_c": 85.0, "precip_mm": -3.0}
    assert set(day["filled"]) == {"tmax_c", "precip_mm"}
    assert 20 <= day["tmax_c"] <= 30 and day["precip_mm"] >= 0


def test_forecast_maps_sites_reports_and_sensors(engine, town, data_dir, ctx):
    """Stored lawn, hedge and young trees get forecasts: the lawn's last cut and long-grass
    reports feed the site factor, a soil sensor at a site 100 m away serves the trees, a site
    without a regime is skipped with a reason."""
    import_tenant_weather(engine, town.id, data_dir=data_dir)
    with tenant_session(engine, town.id) as s, s.begin():
        lawn = _site(s, town.id, "park", LAT, LON)
        hedge = _site(s, town.id, "hedge", LAT + 0.01, LON, regime="hedge_low")
        trees = _site(s, town.id, "tree_group", LAT + 0.02, LON)
        sensor_site = _site(s, town.id, "tree_group", LAT + 0.02 + 0.0009, LON)
        other = _site(s, town.id, "garden", LAT, LON + 0.01)
        s.add(
            SiteLastService(
                tenant_id=town.id, site_id=lawn.id, task_type="mow", last_date=dt.date(2026, 6, 10)
            )
        )
        s.add(
            SiteDemand(
                tenant_id=town.id,
                site_id=trees.id,
                young_trees=6,
                young_trees_planted=dt.date(2025, 11, 1),
            )
        )
        for day in (dt.date(2026, 5, 12), dt.date(2026, 5, 26), dt.date(2026, 6, 10)):
            s.add(
                Observation(
                    tenant_id=town.id,
                    kind="sensor",
                    site_id=lawn.id,
                    observed_at=dt.datetime.combine(day, dt.time(10), dt.UTC),
                    values_json={"grass_length": "long"},
                    source="crew_report",
                )
            )
        for hour in range(6):
            s.add(_reading(town.id, sensor_site.id, 6 + hour, 38.0))
        s.add(_reading(town.id, sensor_site.id, 14, 0.0, rejected=True,
                       reject_reason="nicht im Boden"))
        ids = {"lawn": lawn.id, "hedge": hedge.id, "trees": trees.id, "other": other.id}
    run = forecast_tenant(engine, town.id, dt.date(2026, 6, 20), 14, context=ctx)
    by = {(f.site_id, f.task): f for f in run.forecasts}
    mow = by[(str(ids["lawn"]), "mow")]
    assert mow.explanation.since_service["last_service"] == "2026-06-10"
    assert mow.details["site_factor"] > 1.0
    assert (str(ids["hedge"]), "cut_hedge") in by
    water = by[(str(ids["trees"]), "water_trees")]
    assert water.explanation.drivers["soil_water_frac"] > 0.8  # sensor full on 19 June
    assert any(n["code"] == "sensor_soil_water" for n in water.explanation.notes)
    assert water.due_date is None or water.due_date > dt.date(2026, 6, 22)  # not at once
    assert "Regime" in run.skipped[ids["other"]]
    # the probe out of the soil is counted, not used (#14)
    assert run.notes == ["1 Sensormesswerte unplausibel (gespeichert, nicht verwendet)"]
    json.dumps(run.to_dict())


def test_stale_weather_runs_on_climatology_with_a_note(engine, town, data_dir, ctx):
    """After the last stored day (28.06.2026) the forecast still runs and says so."""
    import_tenant_weather(engine, town.id, data_dir=data_dir)
    with tenant_session(engine, town.id) as s, s.begin():
        _site(s, town.id, "park", LAT, LON)
    run = forecast_tenant(engine, town.id, dt.date(2026, 8, 3), 7, context=ctx)
    assert run.notes == [
        "Wetterdaten enden am 28.06.2026: bis zum Stichtag und danach Klimatologie"
    ]
    assert run.forecasts[0].explanation.notes[-1]["code"] == "stale_weather"
    with pytest.raises(BadInput, match="erlaubt sind 1 bis 60"):
        forecast_tenant(engine, town.id, dt.date(2026, 6, 1), 0, context=ctx)


def test_cli_import_weather_and_forecast(cli_runner, engine, town, data_dir, tmp_path, monkeypatch):
    """``greentour import-weather`` then ``greentour forecast --json`` on the per-test DB."""
    monkeypatch.setenv("GREENTOUR_DATA_DIR", str(data_dir))
    with tenant_session(engine, town.id) as s, s.begin():
        _site(s, town.id, "park", LAT, LON)
    result = cli_runner.invoke(cli, ["import-weather", "--tenant", "bremen-test"])
    assert result.exit_code == 0, result.output
    assert "Station 00691, 550 Tage" in result.output
    out = tmp_path / "forecast.json"
    result = cli_runner.invoke(
        cli,
        [
            "forecast",
            "--tenant",
            "bremen-test",
            "--date",
            "2026-06-20",
            "--all",
            "--json",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Prognose ab 20.06.2026, 14 Tage" in result.output
    assert "Mähen" in result.output and "1 Prognosen gespeichert" in result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["as_of"] == "2026-06-20" and len(doc["forecasts"]) == 1
    bad = cli_runner.invoke(cli, ["forecast", "--tenant", "bremen-test", "--date", "20.06."])
    assert bad.exit_code == 1 and "Fehler: Datum „20.06.“ unlesbar" in bad.output


def test_forecast_job_keeps_its_result(engine, town, data_dir, monkeypatch):
    """A queued ``forecast`` job runs in the worker machinery, stores the forecast rows and
    keeps a summary as its result."""
    monkeypatch.setenv("GREENTOUR_DATA_DIR", str(data_dir))
    import_tenant_weather(engine, town.id, data_dir=data_dir)
    with tenant_session(engine, town.id) as s, s.begin():
        _site(s, town.id, "park", LAT, LON)
    job_id = enqueue(engine, town.id, "forecast", {"as_of": "2026-06-20", "horizon_days": 7})
    claimed = claim_next(engine, "test-worker")
    assert run_job(engine, claimed, HANDLERS, heartbeat_s=60) == "done"
    job = get_job(engine, town.id, job_id)
    assert job.result_json["as_of"] == "2026-06-20"
    assert job.result_json["forecasts"][0]["task"] == "mow"
    assert job.result_json["stored"] == 1
    with tenant_session(engine, town.id) as s:
        (row,) = latest_forecasts(s)
    assert (row.kind, row.as_of, row.horizon_days) == ("mow", dt.date(2026, 6, 20), 7)


def test_forecasts_are_stored_replaced_and_read_back(engine, town, data_dir, ctx):
    """A run stores one row per site and kind; running the same day again replaces them;
    ``latest_forecasts`` gives the newest day per site and kind (or the newest up to a day)."""
    import_tenant_weather(engine, town.id, data_dir=data_dir)
    with tenant_session(engine, town.id) as s, s.begin():
        lawn = _site(s, town.id, "park", LAT, LON)
        hedge = _site(s, town.id, "hedge", LAT + 0.01, LON, regime="hedge_low")
    for day in (dt.date(2026, 6, 15), dt.date(2026, 6, 20), dt.date(2026, 6, 20)):
        run = forecast_tenant(engine, town.id, day, 7, context=ctx)
        assert run.stored == 2
    with tenant_session(engine, town.id) as s:
        assert s.scalar(select(func.count()).select_from(StoredForecast)) == 4
        newest = latest_forecasts(s)
        earlier = latest_forecasts(s, site_ids=[lawn.id], as_of=dt.date(2026, 6, 19))
    assert [(r.site_id, r.kind, r.as_of) for r in newest] == [
        (lawn.id, "mow", dt.date(2026, 6, 20)), (hedge.id, "hedge", dt.date(2026, 6, 20))]
    assert [(r.kind, r.as_of) for r in earlier] == [("mow", dt.date(2026, 6, 15))]
    mow = newest[0]
    assert mow.quantity_unit == "mm" and mow.quantity_lo <= mow.quantity <= mow.quantity_hi
    assert mow.text("de").startswith("Gebrauchsrasen") and "mm" in mow.text("en")
    assert mow.model_version.startswith("greentour")
    assert len(mow.workability_json) == 8  # as_of and the 7 days ahead


def test_lawn_without_recorded_cut_says_the_steady_state_assumption(engine, town, data_dir, ctx):
    """Without a recorded cut a lawn's last cut is assumed inside the current cutting interval,
    the same day on every run, and the explanation says so in German and English."""
    import_tenant_weather(engine, town.id, data_dir=data_dir)
    with tenant_session(engine, town.id) as s, s.begin():
        lawns = [_site(s, town.id, "park", LAT + i * 0.001, LON) for i in range(8)]
    day = dt.date(2026, 6, 15)
    first = forecast_tenant(engine, town.id, day, 7, context=ctx)
    again = forecast_tenant(engine, town.id, day, 7, context=ctx)
    cuts = [dt.date.fromisoformat(f.explanation.since_service["last_service"])
            for f in first.forecasts]
    assert cuts == [dt.date.fromisoformat(f.explanation.since_service["last_service"])
                    for f in again.forecasts]
    note = first.forecasts[0].explanation.notes[0]
    assert note["code"] == "assumed_last_service"
    assert "laufender Betrieb angenommen" in note["text_de"]
    assert "steady operation assumed" in note["text_en"]
    interval = int(note["text_en"].split("interval of ")[1].split(" days")[0])
    assert 3 <= interval <= 40
    assert all(day - dt.timedelta(days=interval) < c <= day for c in cuts)
    assert len(set(cuts)) > 4  # spread over the interval, not all on one day
    assert all(f.explanation.since_service["assumed"] for f in first.forecasts)
    assert len(lawns) == len(first.forecasts)
    assert any(f.is_due for f in first.forecasts)  # June: a running operation mows weekly
    # November 2025 needs a year of weather before it: Düsseldorf's history, as Lauf has it
    import_weather_file(engine, town.id,
                        data_dir / "weather" / "produkt_klima_tag_19520101_20231231_01078.txt",
                        since=dt.date(2023, 1, 1))
    november = forecast_tenant(engine, town.id, dt.date(2025, 11, 3), 7, context=ctx)
    assert not any(f.is_due for f in november.forecasts)  # slow growth: the rhythm kept up


def test_demo_forecasts_are_what_demand_reads(engine, town, data_dir, monkeypatch):
    """The demo's forecast step stores the rows demand then reads unchanged (no second run)."""
    from types import SimpleNamespace

    from greentour.commands.forecast import demo_step
    from greentour.forecast.service import ensure_forecasts

    monkeypatch.setenv("GREENTOUR_DATA_DIR", str(data_dir))
    import_tenant_weather(engine, town.id, data_dir=data_dir)
    with tenant_session(engine, town.id) as s, s.begin():
        _site(s, town.id, "park", LAT, LON)
    day = dt.date(2026, 6, 17)
    ctx = SimpleNamespace(engine=engine, tenant_id=town.id, day=day, results={})
    assert demo_step(ctx).startswith("Prognose:")
    with tenant_session(engine, town.id) as s, s.begin():
        rows, notes = ensure_forecasts(s, s.get(type(town), town.id), day, 7, data_dir=data_dir)
    assert len(rows) == 1 and rows[0].computed_at is not None
    assert not any("neu berechnet" in n for n in notes)


def test_without_growth_series_the_stand_in_model_is_used_and_said(tmp_path):
    """An empty data folder (a bare clone): the forecast context falls back to the stand-in growth
    model, and the run notes say so."""
    from forecasting.grass import DriverGrassModel
    from greentour.forecast.compute import stand_in_notes
    from greentour.store.models import Tenant

    ctx = forecast_context(tmp_path)
    assert isinstance(ctx.grass, DriverGrassModel)
    town = Tenant(slug="x", name="X", config_json={"weather": {
        "source": "dwd_kl_daily", "files": [BREMEN],
        "stands_in": True, "station_id": "00691", "station_name": "Bremen",
        "nearest_station_id": "00330", "nearest_station_name": "Oberzent-Beerfelden",
        "nearest_distance_km": 27.2}})
    notes = stand_in_notes(town, ctx)
    assert notes[0].startswith("Wetter stellvertretend: DWD-Station 00691 Bremen statt der "
                               "nächsten Station 00330 Oberzent-Beerfelden, 27 km")
    assert "CC BY 4.0" in notes[0] and notes[1].startswith("Graswachstum: Ersatzmodell")
