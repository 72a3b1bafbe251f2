"""Tenant TOML files: the Lauf sample loads; bad files are refused naming file, key and reason."""

from __future__ import annotations

import ast
import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from forecasting import beaufort_ms
from greentour import tenant_config as tenant_config_module
from greentour.commands.tenants import apply_tenant_file
from greentour.config_io import read_toml
from greentour.crew.privacy import PrivacySettings
from greentour.errors import ConfigError
from greentour.settings import REPO_ROOT
from greentour.store import system_session, tenant_session
from greentour.store.models import CrewDay, CrewTemplate, Machine, Staff, TaskType, Tenant, Vehicle
from greentour.tenant_config import DemandSection, load_tenant_config, tenant_config
from greentour.workplace.lineup import ensure_crew_days

LAUF = REPO_ROOT / "data" / "tenants" / "lauf.toml"


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = LAUF.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "stadt.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_lauf_sample_is_complete() -> None:
    """The Lauf sample has the Bauhof, the yard, 15 staff, 6 vehicles and 6 crews."""
    cfg = load_tenant_config(LAUF)
    assert cfg.tenant.name == "Lauf (Beispiel)" and cfg.tenant.land == "BY"
    assert cfg.tenant.population == 27000
    assert cfg.depots[0].osm == "way/45181081"
    assert abs(cfg.depots[0].lon - 11.2788) < 0.001 and abs(cfg.depots[0].lat - 49.5101) < 0.001
    yard = next(r for r in cfg.reload_points if r.kind == "green_waste")
    assert yard.osm == "node/403115167"
    assert len(cfg.staff) == 15 and len(cfg.crews) == 6
    kinds = sorted(v.kind for v in cfg.vehicles)
    assert kinds.count("flatbed_trailer") == 4 and "tractor" in kinds and "van" in kinds
    assert cfg.shifts.fri == ("06:30", "12:30")
    assert cfg.shifts.breaks == [("09:00", "09:15"), ("12:00", "12:30")]
    assert cfg.weather is not None and cfg.weather.stands_in


@pytest.mark.parametrize(
    ("old", "new", "key", "reason"),
    [
        ('land = "BY"', 'land = "XY"', "tenant.land", "Land 'XY' unbekannt"),
        ('population = 27000', 'population = 27000\ncolour = "grün"', "tenant.colour",
         "unbekannter Schlüssel"),
        ('qualifications = ["licence_B"]\n', 'qualifications = ["licence_X"]\n',
         "staff[3] (wagner).qualifications[0]", "Qualifikation 'licence_X' unbekannt"),
        ('fri = ["06:30", "12:30"]', 'fri = ["06:30", "25:00"]', "shifts.fri[1]",
         "keine Uhrzeit"),
        ('fri = ["06:30", "12:30"]', 'fri = ["12:30", "06:30"]', "shifts.fri",
         "nicht nach Beginn"),
        ('members = ["huber", "maier"]', 'members = ["huber", "meier"]',
         "crews[0] (Kolonne 1 – Mähen Nord).members[1]", "kein Personal mit key 'meier'"),
        ('profile = "tractor_40"', 'profile = "tractor_60"', "vehicles[4] (traktor).profile",
         "Fahrzeugprofil 'tractor_60' unbekannt"),
        ('lat = 49.510074\nosm', 'lat = 149.5\nosm', "depots[0] (bauhof).lat", "less than"),
        ('regime = "meadow"', 'regime = "jungle"', "care_classes.meadow.regime",
         "Regime 'jungle' unbekannt"),
        ('key = "koch"', 'key = "weber"', "staff[7].key", "doppelt"),
        ('osm = "node/403115167"', 'osm = "node:403115167"', "reload_points[0] (wertstoffhof).osm",
         "should match pattern"),
        ('kind = "green_waste"', 'kind = "compost"', "reload_points[0] (wertstoffhof).kind",
         "'green_waste' or 'water'"),
        ('service_s = 1200', 'service_s = 1200\nopening = "immer"',
         "reload_points[1] (bauhof-wasser).opening", "unbekannter Schlüssel"),
    ],
)
def test_bad_file_names_file_key_and_reason(
    tmp_path: Path, old: str, new: str, key: str, reason: str
) -> None:
    """Each kind of mistake is refused with the file, the exact key and a reason."""
    path = _variant(tmp_path, old, new)
    with pytest.raises(ConfigError) as info:
        load_tenant_config(path)
    err = info.value
    assert err.file == str(path)
    assert err.key == key
    assert reason in err.reason
    assert str(path) in str(err) and key in str(err)


def test_not_toml_and_missing_file(tmp_path: Path) -> None:
    """Broken TOML syntax and a missing file are refused with the file name and a reason."""
    broken = tmp_path / "kaputt.toml"
    broken.write_text('[tenant]\nslug = "x\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(str(broken)) + ".*kein gültiges TOML"):
        load_tenant_config(broken)
    with pytest.raises(ConfigError, match="Datei nicht gefunden"):
        load_tenant_config(tmp_path / "fehlt.toml")


def test_apply_stores_tenant_and_is_idempotent(engine: Engine) -> None:
    """Applying the Lauf file stores tenant, staff, vehicles, machines, crews; twice is a no-op."""
    first = apply_tenant_file(engine, LAUF)
    second = apply_tenant_file(engine, LAUF)
    assert first.created and not second.created and first.tenant_id == second.tenant_id
    with tenant_session(engine, first.tenant_id) as s:
        assert s.scalar(select(func.count(Staff.id))) == 15
        assert s.scalar(select(func.count(Vehicle.id))) == 6
        assert s.scalar(select(func.count(Machine.id))) == 15
        assert s.scalar(select(func.count(TaskType.id))) >= 10
        crews = s.scalars(select(CrewTemplate).order_by(CrewTemplate.name)).all()
        assert len(crews) == 6 and all(c.vehicle_id and c.member_ids for c in crews)
        trailer = s.scalar(select(Machine).where(Machine.kind == "water_trailer"))
        assert trailer is not None and trailer.capacity_water_l == 1500.0
    with system_session(engine) as s:
        tenant = s.scalar(select(Tenant).where(Tenant.slug == "lauf"))
        assert tenant is not None and tenant.config_json["shifts"]["mon"] == ["06:30", "15:30"]


def test_bad_file_stores_nothing(engine: Engine, tmp_path: Path) -> None:
    """A refused tenant file leaves the database untouched."""
    path = _variant(tmp_path, 'vehicle = "traktor"', 'vehicle = "porsche"')
    with pytest.raises(ConfigError, match="crews\\[2\\].*vehicle"):
        apply_tenant_file(engine, path)
    with system_session(engine) as s:
        assert s.scalar(select(func.count(Tenant.id))) == 0


def test_removed_staff_is_deactivated(engine: Engine, tmp_path: Path) -> None:
    """Staff that disappear from the file are kept but switched off (history stays)."""
    apply_tenant_file(engine, LAUF)
    text = LAUF.read_text(encoding="utf-8")
    start = text.index('[[staff]]\nkey = "hofmann"')
    end = text.index("# ----", start)
    reduced = text[:start] + text[end:]
    reduced = reduced.replace('members = ["schwarz", "zimmermann", "hofmann"]',
                              'members = ["schwarz", "zimmermann"]')
    path = tmp_path / "lauf.toml"
    path.write_text(reduced, encoding="utf-8")
    summary = apply_tenant_file(engine, path)
    with tenant_session(engine, summary.tenant_id) as s:
        hofmann = s.scalar(select(Staff).where(Staff.config_key == "hofmann"))
        assert hofmann is not None and hofmann.active is False


def _uncommented(section: str) -> str:
    """The commented ``[section]`` example of the Lauf file with its lines uncommented."""
    lines = LAUF.read_text(encoding="utf-8").splitlines()
    start = lines.index(f"# [{section}]")
    block = []
    for line in lines[start:]:
        if not line.startswith("# "):
            break
        block.append(line.removeprefix("# "))
    return "\n".join(block) + "\n"


def test_commented_demand_and_privacy_examples_are_the_defaults(tmp_path: Path) -> None:
    """The [demand] and [privacy] examples in lauf.toml load and equal the built-in defaults."""
    path = tmp_path / "stadt.toml"
    text = LAUF.read_text(encoding="utf-8")
    path.write_text(text + "\n" + _uncommented("demand") + _uncommented("privacy"), "utf-8")
    cfg = load_tenant_config(path)
    assert set(cfg.demand.model_fields_set) == set(DemandSection.model_fields)
    assert cfg.demand == DemandSection()
    assert set(read_toml(path)["privacy"]) == set(PrivacySettings.__dataclass_fields__)
    assert cfg.privacy == PrivacySettings()


@pytest.mark.parametrize(
    ("privacy", "key", "reason"),
    [
        ("photos_days = 0", "privacy.photos_days", "ganze Zahl ≥ 1"),
        ('stop_times_days = "90"', "privacy.stop_times_days", "ganze Zahl ≥ 1"),
        ('stop_times_visible_to = ["crew"]', "privacy.stop_times_visible_to", "planner, admin"),
        ("keep_gps_days = 7", "privacy.keep_gps_days", "unbekannter Schlüssel"),
    ],
)
def test_bad_privacy_refused_on_load(tmp_path: Path, privacy: str, key: str, reason: str) -> None:
    """A bad [privacy] value is refused when the file is loaded, naming file, key and reason."""
    path = tmp_path / "stadt.toml"
    path.write_text(LAUF.read_text(encoding="utf-8") + f"\n[privacy]\n{privacy}\n", "utf-8")
    with pytest.raises(ConfigError) as info:
        load_tenant_config(path)
    assert (info.value.file, info.value.key) == (str(path), key)
    assert reason in info.value.reason


def test_bad_privacy_stores_nothing(engine: Engine, tmp_path: Path) -> None:
    """A tenant file with a bad [privacy] value is not stored at all."""
    path = tmp_path / "stadt.toml"
    path.write_text(LAUF.read_text(encoding="utf-8") + "\n[privacy]\nnotes_days = -1\n", "utf-8")
    with pytest.raises(ConfigError, match="privacy.notes_days"):
        apply_tenant_file(engine, path)
    with system_session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Tenant)) == 0


@pytest.mark.parametrize(
    ("section", "key", "reason"),
    [
        ("[gis]\nepsg = 4326", "gis.epsg", "kein metrisches"),
        ('[gis]\nepsg = "abc"', "gis.epsg", "kein EPSG-Code"),
        ('[gis]\ncolour = "red"', "gis.colour", "kennt colour nicht"),
        ("[gis]\nattribution = 3", "gis.attribution", "weder Text noch Liste"),
        ("[routing]\ncalibration_factor = 0", "routing.calibration_factor", "zwischen 0,2 und 5"),
        ('[routing]\naccess_max_distance_m = "weit"', "routing.access_max_distance_m",
         "positive Zahl"),
        ("[routing]\ncalibration_faktor = 1.1", "routing.calibration_faktor",
         "unbekannter Schlüssel"),
    ],
)
def test_bad_gis_and_routing_refused_on_load(
    tmp_path: Path, section: str, key: str, reason: str
) -> None:
    """A bad [gis] or [routing] value is refused when the file is loaded, naming file and key."""
    path = tmp_path / "stadt.toml"
    path.write_text(LAUF.read_text(encoding="utf-8") + f"\n{section}\n", "utf-8")
    with pytest.raises(ConfigError) as info:
        load_tenant_config(path)
    assert (info.value.file, info.value.key) == (str(path), key)
    assert reason in info.value.reason


def test_good_gis_and_routing_load(tmp_path: Path) -> None:
    """Valid [gis] and [routing] sections load and keep their values."""
    path = tmp_path / "stadt.toml"
    extra = ('\n[gis]\nepsg = 25833\nattribution = "Kataster Stadt Lauf"\n'
             "\n[routing]\ncalibration_factor = 1.2\naccess_max_distance_m = 400\n")
    path.write_text(LAUF.read_text(encoding="utf-8") + extra, "utf-8")
    cfg = load_tenant_config(path)
    assert cfg.gis.epsg == 25833 and cfg.gis.attribution == ("Kataster Stadt Lauf",)
    assert cfg.routing.calibration_factor == 1.2 and cfg.routing.access_max_distance_m == 400


CREW1 = 'district = "Nord"\n'


@pytest.mark.parametrize(
    ("old", "new", "key", "reason"),
    [
        (CREW1, CREW1 + 'shift_start = "07:00"\nshift_end = "07:00"\n',
         "crews[0] (Kolonne 1 – Mähen Nord).shift_end", "nicht nach Beginn 07:00"),
        (CREW1, CREW1 + 'shift_start = "15:00"\nshift_end = "07:00"\n',
         "crews[0] (Kolonne 1 – Mähen Nord).shift_end", "nicht nach Beginn 15:00"),
        (CREW1, CREW1 + 'shift_start = "09:10"\nshift_end = "14:00"\n',
         "crews[0] (Kolonne 1 – Mähen Nord).shift_end", "Pause 09:00–09:15 liegt nicht ganz"),
        ('breaks = [["09:00", "09:15"], ["12:00", "12:30"]]',
         'breaks = [["09:00", "09:15"], ["12:00", "13:00"]]', "shifts.fri",
         "Pause 12:00–13:00 liegt nicht ganz in der Schicht 06:30–12:30"),
        ('breaks = [["09:00", "09:15"], ["12:00", "12:30"]]',
         'breaks = [["09:00", "09:30"], ["09:15", "09:45"]]', "shifts.breaks[1]",
         "überschneidet sich"),
        ('breaks = [["09:00", "09:15"], ["12:00", "12:30"]]',
         'breaks = [["09:00", "09:15"], ["18:00", "18:30"]]', "shifts.breaks[1]",
         "liegt in keiner Schicht"),
        ("is_public = true", 'is_public = "yes"', "tenant.is_public", "valid boolean"),
        ("is_public = true", "is_public = 1", "tenant.is_public", "valid boolean"),
        ('name = "Lauf (Beispiel)"', 'name = "Lauf\\u0000"', "tenant.name", "NUL-Zeichen"),
    ],
)
def test_unplannable_shifts_and_loose_booleans_are_refused(
    engine: Engine, tmp_path: Path, old: str, new: str, key: str, reason: str
) -> None:
    """Zero-length, inverted or break-cut shifts, "yes" for a boolean, a NUL in a name: refused,
    nothing stored (#14: they used to block every later plan; "yes" made a town public)."""
    path = _variant(tmp_path, old, new)
    with pytest.raises(ConfigError) as info:
        apply_tenant_file(engine, path)
    assert info.value.key == key
    assert reason in info.value.reason
    with system_session(engine) as s:
        assert s.scalar(select(func.count(Tenant.id))) == 0


def test_fixed_file_repairs_crew_days_made_from_the_wrong_one(engine: Engine) -> None:
    """Crew-days stored with a zero-length shift (from an earlier file) get the fixed file's shift
    and breaks when the file is applied again; valid and edited crew-days stay as they are."""
    summary = apply_tenant_file(engine, LAUF)
    monday = dt.date(2026, 6, 1)
    with tenant_session(engine, summary.tenant_id) as s, s.begin():
        crew_days = ensure_crew_days(s, monday)
        assert len(crew_days) == 6
        broken, edited = crew_days[0], crew_days[1]
        broken.shift_start = broken.shift_end = dt.time(7, 0)  # what the wrong file produced
        edited.shift_start, edited.shift_end = dt.time(7, 0), dt.time(14, 0)  # planner's edit
        broken_id, edited_id = broken.id, edited.id
    again = apply_tenant_file(engine, LAUF)
    assert again.counts["crew_days_repaired"] == 1
    with tenant_session(engine, summary.tenant_id) as s:
        repaired, kept = s.get(CrewDay, broken_id), s.get(CrewDay, edited_id)
        assert (repaired.shift_start, repaired.shift_end) == (dt.time(6, 30), dt.time(15, 30))
        assert repaired.breaks_json == [["09:00", "09:15"], ["12:00", "12:30"]]
        assert (kept.shift_start, kept.shift_end) == (dt.time(7, 0), dt.time(14, 0))


# --------------------------------------------------------------------------- the typed accessor
def test_minimal_tenant_gets_typed_sections_with_their_defaults() -> None:
    """A tenant whose stored config is empty gets every section typed, with the one default each."""

    cfg = tenant_config(Tenant(slug="minimal", name="Minimal", config_json={}))
    assert cfg.privacy == PrivacySettings() and cfg.privacy.device_token_days == 365
    assert not cfg.privacy.may_see_stop_times("planner") and cfg.privacy.may_see_stop_times("admin")
    assert cfg.routing.access_max_distance_m == 250.0 and cfg.routing.calibration_factor == 1.0
    assert cfg.gis.epsg is None and cfg.gis.attribution == ()
    assert cfg.records.rule == "per_stop" and cfg.records.person_group("wer") == "gaertner"
    assert cfg.records.product("cemetery") == "553 Friedhofswesen"
    assert cfg.duty.storm_threshold_ms == beaufort_ms(8) and cfg.duty.storm_round_sites == 10
    assert cfg.duty.margin_m("carriageway") == 0.5 and cfg.duty.margin_m("sight_triangle") == 0.2
    assert cfg.demand == DemandSection() and cfg.demand.max_package_s == 6 * 3600
    monday, saturday = dt.date(2026, 6, 1), dt.date(2026, 6, 6)
    assert cfg.shifts.shift_on(monday) == (dt.time(6, 30), dt.time(15, 30))
    assert cfg.shifts.shift_on(saturday) is None
    assert cfg.shifts.break_windows() == [["09:00", "09:15"], ["12:00", "12:30"]]
    assert cfg.weather is None and cfg.osm_pbf is None and cfg.care_classes == {}
    assert cfg.tenant is None and cfg.depots == []


def test_stored_lauf_config_reads_back_as_loaded(engine: Engine) -> None:
    """The stored Lauf file reads back through tenant_config as load_tenant_config gave it."""

    loaded = load_tenant_config(LAUF)
    tenant_id = apply_tenant_file(engine, LAUF).tenant_id
    with system_session(engine) as s:
        cfg = tenant_config(s.get(Tenant, tenant_id))
    assert cfg.model_dump() == loaded.model_dump()
    assert cfg.records.person_rate_ct("vorarbeiter") == 5640
    assert cfg.osm_pbf == loaded.osm.pbf and cfg.weather.station_id == loaded.weather.station_id


def test_changed_config_is_seen_at_once(engine: Engine, tmp_path: Path) -> None:
    """The cache returns the same object for the same stored config and sees a change at once:
    a new tenant file applied, and a config changed in the store."""

    tenant_id = apply_tenant_file(engine, LAUF).tenant_id
    with system_session(engine) as s:
        first = tenant_config(s.get(Tenant, tenant_id))
    with system_session(engine) as s:
        assert tenant_config(s.get(Tenant, tenant_id)) is first
    assert first.routing.calibration_factor == 1.0
    apply_tenant_file(engine, _variant(tmp_path, "[records]", "[routing]\ncalibration_factor = 1.3"
                                                              "\n\n[records]"))
    with system_session(engine) as s:
        assert tenant_config(s.get(Tenant, tenant_id)).routing.calibration_factor == 1.3
    with system_session(engine) as s, s.begin():
        tenant = s.get(Tenant, tenant_id)
        tenant.config_json = {**tenant.config_json, "privacy": {"device_token_days": 30}}
    with system_session(engine) as s:
        tenant = s.get(Tenant, tenant_id)
        assert tenant_config(tenant).privacy.device_token_days == 30
        assert tenant_config(tenant) is tenant_config(tenant)
        tenant.config_json = {**tenant.config_json, "privacy": {"device_token_days": 60}}
        assert tenant_config(tenant).privacy.device_token_days == 60  # same object, new dict


def test_cache_is_bounded_and_safe_across_threads() -> None:
    """Many tenants and threads at once: each call gets its own tenant's config; the cache holds
    at most CACHE_SIZE entries."""

    towns = [Tenant(id=10_000 + i, slug=f"stadt-{i}", name=f"Stadt {i}",
                    config_json={"privacy": {"photos_days": i + 1}})
             for i in range(tenant_config_module.CACHE_SIZE + 20)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(tenant_config_module.tenant_config, towns * 3))
    assert [c.privacy.photos_days for c in got] == [t.config_json["privacy"]["photos_days"]
                                                     for t in towns * 3]
    assert len(tenant_config_module._cache) <= tenant_config_module.CACHE_SIZE


def test_bad_stored_config_is_refused_naming_file_and_key() -> None:
    """A stored config that does not validate is refused with the tenant's file, the key and the
    loader's German reason; a corrected config is read (the refusal is not cached)."""

    town = Tenant(id=20_000, slug="stadt", name="Stadt", config_file="stadt.toml",
                  config_json={"privacy": {"photos_days": 0}})
    with pytest.raises(ConfigError, match=r"stadt\.toml: privacy\.photos_days: muss eine ganze "
                                          r"Zahl ≥ 1 sein, nicht 0"):
        tenant_config(town)
    town.config_json = {"privacy": {"photos_days": 7}}
    assert tenant_config(town).privacy.photos_days == 7


def test_duty_section_loads_and_bad_values_are_refused(tmp_path: Path) -> None:
    """[duty] in a tenant file sets the storm threshold; a Beaufort number out of range is
    refused."""

    cfg = load_tenant_config(_variant(tmp_path, "[records]",
                                      "[duty]\nstorm_bft = 9\nmargin_path_m = 0.4\n\n[records]"))
    assert cfg.duty.storm_threshold_ms == beaufort_ms(9) and cfg.duty.margin_m("path") == 0.4
    gust = load_tenant_config(_variant(tmp_path, "[records]",
                                       "[duty]\nstorm_gust_ms = 20.0\n\n[records]"))
    assert gust.duty.storm_threshold_ms == 20.0
    with pytest.raises(ConfigError, match="duty.storm_bft: Beaufort-Stufe muss zwischen 6 und 12"):
        load_tenant_config(_variant(tmp_path, "[records]", "[duty]\nstorm_bft = 3\n\n[records]"))


def _config_json_readers(root: Path) -> list[str]:
    """``file:line`` of every use of ``config_json`` (attribute, keyword or string) in a tree."""
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            named = ((isinstance(node, ast.Attribute) and node.attr == "config_json")
                     or (isinstance(node, ast.keyword) and node.arg == "config_json")
                     or (isinstance(node, ast.Constant) and node.value == "config_json"))
            if named:
                found.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno}")
    return found


def test_only_tenant_config_reads_the_stored_config() -> None:
    """No module of greentour/ or web/ but greentour/tenant_config.py, the store's models and the
    migrations touches ``Tenant.config_json``: every reader takes tenant_config(tenant)."""
    allowed = ("greentour/tenant_config.py", "greentour/store/models", "greentour/migrations/")
    uses = _config_json_readers(REPO_ROOT / "greentour") + _config_json_readers(REPO_ROOT / "web")
    assert any(u.startswith("greentour/tenant_config.py") for u in uses)  # the walk sees uses
    assert [u for u in uses if not u.startswith(allowed)] == []
