"""Demand building blocks without the store: recurrence, calendars, durations, packages, balance."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from shapely.geometry import Point, box

from greentour.demand.calendars import (
    CalendarError,
    SiteCalendar,
    allowed_minutes,
    allowed_windows,
    rules_from_records,
    windows_in_seconds,
)
from greentour.demand.capacity import (
    CrewCapacity,
    DueItem,
    balance_week,
    parse_week,
    spread_over_days,
)
from greentour.demand.durations import Visit, estimate_duration, formula_duration_s
from greentour.demand.packaging import Lawn, group_lawns, split_task
from greentour.demand.recurrence import CycleRule, RecurrenceError, Season, rule_from_mapping

BERLIN = ZoneInfo("Europe/Berlin")


# --------------------------------------------------------------------------- recurrence
def test_weekly_rule_moves_easter_monday_and_crosses_dst():
    """A Monday inspection moves off Easter Monday to Tuesday; dates across the DST change stay."""
    rule = CycleRule(freq="WEEKLY", byweekday=("MO",), on_holiday="next_workday", window_days=4)
    got = rule.occurrences(dt.date(2025, 3, 24), dt.date(2025, 4, 28), land="BY")
    earliest = [e for e, _ in got]
    # 2025-03-30 is the spring DST change (Sunday); 2025-04-21 is Easter Monday (holiday)
    assert earliest == [
        dt.date(2025, 3, 24),
        dt.date(2025, 3, 31),
        dt.date(2025, 4, 7),
        dt.date(2025, 4, 14),
        dt.date(2025, 4, 22),
        dt.date(2025, 4, 28),
    ]
    assert all(latest - e == dt.timedelta(days=4) for e, latest in got)


def test_bins_mon_thu_season_april_to_october():
    """Bins Mon/Thu only inside April-October; the season boundary is inclusive."""
    rule = CycleRule(
        freq="WEEKLY", byweekday=("MO", "TH"), season=Season.parse("04-01", "10-31"),
        on_holiday="next_workday",
    )
    got = [e for e, _ in rule.occurrences(dt.date(2025, 3, 24), dt.date(2025, 4, 6), "BY")]
    assert got == [dt.date(2025, 4, 3)]  # 27 March and 31 March are outside the season
    late = [e for e, _ in rule.occurrences(dt.date(2025, 10, 27), dt.date(2025, 11, 9), "BY")]
    assert late == [dt.date(2025, 10, 27), dt.date(2025, 10, 30)]


def test_holiday_policy_skip_and_land_difference():
    """Corpus Christi is a holiday in Bavaria but not in Bremen; ``skip`` drops the date."""
    rule = CycleRule(freq="WEEKLY", byweekday=("TH",), on_holiday="skip")
    by = [e for e, _ in rule.occurrences(dt.date(2025, 6, 16), dt.date(2025, 6, 22), "BY")]
    hb = [e for e, _ in rule.occurrences(dt.date(2025, 6, 16), dt.date(2025, 6, 22), "HB")]
    assert by == []
    assert hb == [dt.date(2025, 6, 19)]


def test_bad_rule_is_refused_with_field():
    """A rule with an unknown weekday or a bad season is refused with a precise message."""
    with pytest.raises(RecurrenceError, match="weekday"):
        rule_from_mapping({"freq": "WEEKLY", "byweekday": ["XX"]})
    with pytest.raises(RecurrenceError, match="MM-DD"):
        rule_from_mapping({"freq": "WEEKLY", "season": {"start": "April", "end": "10-31"}})


# --------------------------------------------------------------------------- calendars
def test_school_allowed_after_13_on_term_days_only():
    """An allowed rule restricts its days only; blocked rules cut out of the rest."""
    cal = SiteCalendar(rules=rules_from_records([
        {"kind": "allowed", "start": "13:00", "end": "18:00", "weekdays": "MO-FR",
         "valid_from": "2025-06-01", "valid_to": "2025-07-31", "label": "Schulzeit"},
        {"kind": "blocked", "start": "15:00", "end": "16:00", "weekdays": ["WE"],
         "label": "Sport-AG"},
    ]))
    assert allowed_minutes(dt.date(2025, 6, 16), cal) == [(780, 1080)]  # Monday
    assert allowed_minutes(dt.date(2025, 6, 18), cal) == [(780, 900), (960, 1080)]  # Wednesday
    assert allowed_minutes(dt.date(2025, 8, 4), cal) == [(0, 1440)]  # summer holidays


def test_noise_rule_sunday_holiday_and_brush_cutter_hours():
    """At a noise-sensitive site: no mowing on a public holiday; brush cutters only 9-13, 15-17."""
    cal = SiteCalendar(noise_sensitive=True, land="BY")
    assert allowed_minutes(dt.date(2025, 6, 19), cal, noise_class="mower") == []  # Fronleichnam
    assert allowed_minutes(dt.date(2025, 6, 18), cal, noise_class="mower") == [(420, 1200)]
    assert allowed_minutes(dt.date(2025, 6, 18), cal, noise_class="brush_cutter") == [
        (540, 780), (900, 1020)]
    quiet = SiteCalendar(noise_sensitive=False)
    assert allowed_minutes(dt.date(2025, 6, 19), quiet, noise_class="mower") == [(0, 1440)]


def test_windows_in_seconds_across_dst():
    """07:00 local is 23 h + 24 h after Saturday 07:00 across the spring DST change."""
    cal = SiteCalendar(noise_sensitive=True)
    epoch = dt.datetime(2025, 3, 29, 0, 0, tzinfo=BERLIN)  # Saturday
    sat = windows_in_seconds(allowed_windows(dt.date(2025, 3, 29), cal, noise_class="mower"), epoch)
    mon = windows_in_seconds(allowed_windows(dt.date(2025, 3, 31), cal, noise_class="mower"), epoch)
    assert sat == [(7 * 3600, 20 * 3600)]
    assert mon[0][0] - sat[0][0] == 47 * 3600  # Sunday had 23 hours


def test_bad_time_rule_is_refused():
    """A rule ending before it starts names the times."""
    with pytest.raises(CalendarError, match="14:00-12:00"):
        rules_from_records([{"kind": "blocked", "start": "14:00", "end": "12:00"}])


# --------------------------------------------------------------------------- durations
def test_formula_target_and_learning():
    """Formula = set-up + area/productivity; a target time overrides; reports pull toward them."""
    f = estimate_duration(quantity=2400, productivity_per_person_h=1200, setup_s=600, persons=2)
    assert f.source == "formula" and f.duration_s == 600 + 3600 and f.label() == "Formel"
    t = estimate_duration(quantity=2400, productivity_per_person_h=1200, setup_s=600, persons=2,
                          target_persons=3, target_hours=2.0)
    assert (t.source, t.persons, t.duration_s, t.label("en")) == ("target", 3, 7200, "target time")
    # crews report 2 persons x 2.1 h each time: twice the formula's 2 x 1.17 h
    visits = [Visit(duration_s=7560, persons=2, planned_person_s=f.person_s)] * 5
    learned = estimate_duration(quantity=2400, productivity_per_person_h=1200, setup_s=600,
                                persons=2, visits=visits)
    one = estimate_duration(quantity=2400, productivity_per_person_h=1200, setup_s=600,
                            persons=2, visits=visits[:1])
    assert learned.source == "learned" and learned.label() == "gelernt aus 5 Besuchen"
    assert f.duration_s < one.duration_s < learned.duration_s < 7560
    assert learned.duration_s > 0.8 * 7560  # five consistent visits move it most of the way


def test_learning_clips_outliers():
    """A forgotten 'done' tap (20x the plan) cannot more than ~1.5x the next plan."""
    base = formula_duration_s(1000, 1000, 0, 1)
    wild = estimate_duration(quantity=1000, productivity_per_person_h=1000, setup_s=0, persons=1,
                             visits=[Visit(base * 20, 1, base)])
    assert wild.duration_s < 1.6 * base


# --------------------------------------------------------------------------- packages
def test_split_parts_sum_to_whole():
    """A 20 h task in 6 h packages: variable work sums exactly; each part fits; parts linked."""
    parts = split_task(quantity=30000, variable_s=20 * 3600 - 900, setup_s=900,
                       max_package_s=6 * 3600)
    assert len(parts) == 4
    assert sum(p.duration_s - 900 for p in parts) == 20 * 3600 - 900
    assert sum(p.duration_s for p in parts) == 20 * 3600 + 3 * 900
    assert sum(p.quantity for p in parts) == pytest.approx(30000)
    assert all(p.duration_s <= 6 * 3600 for p in parts)
    assert [p.day_offset for p in parts] == [0, 1, 2, 3]


def test_group_lawns_complete_linkage():
    """A chain of lawns 100 m apart never ends up in one group wider than the walking distance."""
    lawns = [Lawn(i, box(i * 100, 0, i * 100 + 10, 10), 600, 100.0) for i in range(6)]
    groups = group_lawns(lawns, setup_s=300, walk_distance_m=150, detour_factor=1.3)
    assert sum(len(g.site_ids) for g in groups) == 6
    assert all(g.max_pair_distance_m <= 150 for g in groups)
    assert any(len(g.site_ids) > 1 for g in groups)
    far = group_lawns([Lawn(1, Point(0, 0), 60, 1.0), Lawn(2, Point(500, 0), 60, 1.0)],
                      setup_s=300)
    assert [g.site_ids for g in far] == [(1,), (2,)]


# --------------------------------------------------------------------------- capacity
def test_balance_spreads_windows_and_counts_overdue():
    """A Mon-Fri task spreads over the week; an overdue one lands on Monday; crews add up."""
    week = parse_week("2025-W25")
    assert week == dt.date(2025, 6, 16)
    items = [
        DueItem("mow", "forecast", 0.6, dt.date(2025, 6, 16), dt.date(2025, 6, 20), 4 * 3600),
        DueItem("bins", "cycle", 0.9, dt.date(2025, 6, 2), dt.date(2025, 6, 3), 3600),
        DueItem("hedge", "forecast", 0.3, dt.date(2025, 6, 30), dt.date(2025, 7, 4), 3600),
    ]
    crews = [CrewCapacity(dt.date(2025, 6, 16), 3, 8 * 3600)]
    bal = balance_week(items, crews, week, land="BY")
    # Corpus Christi (Thu 19 June) is no workday in Bavaria: 4 h over 4 workdays
    shares = spread_over_days(items[0], week, "BY")
    assert dt.date(2025, 6, 19) not in shares and sum(shares.values()) == 4 * 3600
    assert bal.days[0].due_h == pytest.approx(1 + 1)
    assert bal.due_h == pytest.approx(5) and bal.available_h == 24
    assert bal.by_urgency["dringend"] == 1 and bal.task_count == 2


# --------------------------------------------------------------------------- generators (pure)
def _ctx(**kwargs):
    from greentour.demand.generators import GeneratorContext
    from greentour.settings import REPO_ROOT
    from greentour.task_types import task_types_by_code

    return GeneratorContext(types=task_types_by_code(REPO_ROOT / "data" / "task_types.toml"),
                            **kwargs)


def test_traffic_safety_raises_hedge_urgency_with_reason():
    """A hedge in the clearance profile gets urgency >= 0.9 and the reason in its explanation."""
    from greentour.demand.clearance import TrafficSafety
    from greentour.demand.generators.forecast import ForecastSignal, generate_forecast_tasks
    from greentour.demand.model import SiteInfo

    hedge = SiteInfo(1, "Hecke Schulweg", "hedge", box(0, 0, 40, 1), length_m=40.0)
    quiet = SiteInfo(2, "Hecke Hof", "hedge", box(100, 0, 140, 1), length_m=40.0)
    safety = TrafficSafety(True, "Lichtraumprofil Geh-/Radweg (footway): 2.50 m freihalten", 2.5)
    ctx = _ctx(traffic={1: safety})
    day = dt.date(2026, 7, 6)
    signals = [ForecastSignal(i, "hedge", day, day + dt.timedelta(days=14), 0.4, "Zuwachs")
               for i in (1, 2)]
    tasks = {t.site_id: t for t in generate_forecast_tasks([hedge, quiet], signals, day,
                                                           day + dt.timedelta(days=6), ctx)}
    assert tasks[1].urgency >= 0.9 and tasks[1].traffic_safety
    assert "2.50 m" in tasks[1].explanation
    assert tasks[2].urgency == 0.4 and not tasks[2].traffic_safety
    # 40 m at 30 m per crew-hour (2 people) + 15 min set-up; 0.03 m³ clippings per metre
    assert tasks[2].duration_s == 900 + 4800 and tasks[2].load_m3 == pytest.approx(1.2)


def test_forecast_never_tasks_candidates_or_out_of_season():
    """Candidate sites get no task; a hedge form cut in April is outside its season."""
    from greentour.demand.generators.forecast import ForecastSignal, generate_forecast_tasks
    from greentour.demand.model import SiteInfo

    garden = SiteInfo(3, "", "garden", box(0, 0, 20, 20), area_m2=400.0, status="candidate",
                      in_maintenance=False, care_class="utility_intensive")
    hedge = SiteInfo(4, "", "hedge", box(0, 0, 10, 1), length_m=10.0)
    day = dt.date(2026, 4, 13)
    signals = [ForecastSignal(3, "mow", day, day, 0.9), ForecastSignal(4, "hedge", day, day, 0.9)]
    assert generate_forecast_tasks([garden, hedge], signals, day, day, _ctx()) == []


def test_heavy_mower_waits_for_workable_ground():
    """A pitch (wide-area mower) starts after the soaked days; a light mower does not wait."""
    from greentour.demand.generators.forecast import ForecastSignal, generate_forecast_tasks
    from greentour.demand.model import SiteInfo

    pitch = SiteInfo(5, "Sportplatz", "sports_pitch", box(0, 0, 100, 60), area_m2=6000.0,
                     care_class="sports")
    park = SiteInfo(6, "Park", "park", box(0, 0, 50, 50), area_m2=2500.0,
                    care_class="utility_intensive")
    mon = dt.date(2026, 6, 15)
    wet = (mon, mon + dt.timedelta(days=1))
    signals = [ForecastSignal(i, "mow", mon, mon + dt.timedelta(days=4), 0.7, "Wuchs",
                              unworkable_days=wet) for i in (5, 6)]
    tasks = {t.site_id: t for t in generate_forecast_tasks(
        [pitch, park], signals, mon, mon + dt.timedelta(days=6), _ctx())}
    assert tasks[5].task_type == "mow_wide" and tasks[5].due_earliest == dt.date(2026, 6, 17)
    assert "zu nass" in tasks[5].explanation
    assert tasks[6].task_type == "mow" and tasks[6].due_earliest == mon


# --------------------------------------------------------------------------- [demand] section
def _lauf_with(tmp_path, extra: str):
    from greentour.settings import REPO_ROOT

    path = tmp_path / "lauf.toml"
    path.write_text((REPO_ROOT / "data" / "tenants" / "lauf.toml").read_text(encoding="utf-8")
                    + "\n[demand]\n" + extra + "\n", encoding="utf-8")
    return path


def test_demand_section_defaults_and_refusals(tmp_path):
    """No [demand] section: the defaults; a bad value or an unknown key is refused with file,
    key and reason."""
    from greentour.errors import ConfigError
    from greentour.tenant_config import load_tenant_config

    cfg = load_tenant_config(_lauf_with(tmp_path, "walk_distance_m = 80\nmax_package_h = 5.5"))
    assert (cfg.demand.walk_distance_m, cfg.demand.max_package_s) == (80.0, 19800)
    assert cfg.demand.small_lawn_area_m2 == 1500.0 and cfg.demand.forecast_stale_days == 0
    with pytest.raises(ConfigError) as info:
        load_tenant_config(_lauf_with(tmp_path, "max_package_h = 0.2"))
    assert info.value.key == "demand.max_package_h" and "lauf.toml" in str(info.value)
    with pytest.raises(ConfigError, match="unbekannter Schlüssel") as info:
        load_tenant_config(_lauf_with(tmp_path, "walk_distanz_m = 100"))
    assert info.value.key == "demand.walk_distanz_m"


def test_walking_distance_of_the_town_decides_grouping():
    """Two small lawns 100 m apart (x1.3 on foot) are one task at 150 m, two at 120 m."""
    from greentour.demand.generators.forecast import ForecastSignal, generate_forecast_tasks
    from greentour.demand.model import SiteInfo
    from greentour.demand.packaging import DemandSettings, group_small_lawns

    sites = [SiteInfo(i, f"Rasen {i}", "park", box(i * 110, 0, i * 110 + 10, 10),
                      area_m2=100.0, care_class="utility_intensive") for i in (1, 2)]
    day = dt.date(2026, 6, 15)
    signals = [ForecastSignal(i, "mow", day, day + dt.timedelta(days=3), 0.6, "Schnitt bei 75 mm")
               for i in (1, 2)]
    ctx = _ctx()
    tasks = generate_forecast_tasks(sites, signals, day, day + dt.timedelta(days=6), ctx)
    by_id = {s.id: s for s in sites}
    wide = group_small_lawns(tasks, by_id, ctx, DemandSettings(walk_distance_m=150))
    narrow = group_small_lawns(tasks, by_id, ctx, DemandSettings(walk_distance_m=120))
    assert [t.member_site_ids for t in wide] == [(1, 2)]
    assert sorted(t.member_site_ids for t in narrow) == [(1,), (2,)]
    slow = group_small_lawns(tasks, by_id, ctx, DemandSettings(walk_speed_kph=2.0))
    assert slow[0].duration_s > wide[0].duration_s  # walking between the lawns takes longer


def test_forecast_signal_maps_a_stored_forecast():
    """A stored mowing forecast becomes a signal: window, urgency from the growth score, the
    explanation with its notes, wet days and the care class that picks the mowing type."""
    from greentour.demand.signals import signal_of
    from greentour.store.models_forecast import SiteForecast

    day = dt.date(2026, 6, 15)
    row = SiteForecast(
        site_id=7, kind="mow", as_of=day, horizon_days=7, due_date=day + dt.timedelta(days=2),
        due_earliest=day + dt.timedelta(days=1), due_latest=day + dt.timedelta(days=4),
        urgency="high", urgency_score=0.8, quantity=76.0, quantity_unit="mm",
        explanation_json={"text_de": "Schnitt bei 75 mm.", "text_en": "cut at 75 mm.",
                          "notes": [{"code": "assumed_last_service", "text_de": "angenommen.",
                                     "text_en": "assumed."}]},
        workability_json=[{"date": (day + dt.timedelta(days=k)).isoformat(),
                           "heavy_machines_ok": k != 1} for k in range(8)],
        details_json={"care_class": "sports"}, model_version="t")
    signal = signal_of(row)
    assert (signal.due_earliest, signal.due_latest) == (day + dt.timedelta(days=1),
                                                        day + dt.timedelta(days=4))
    assert signal.urgency == pytest.approx(0.8) and signal.care_class == "sports"
    assert signal.explanation == "Schnitt bei 75 mm. angenommen."
    assert signal.unworkable_days == (day + dt.timedelta(days=1),) and signal.workable
    row.due_earliest = row.due_latest = row.due_date = None
    assert signal_of(row) is None


# --------------------------------------------------------------------------- big sites
def test_big_site_parts_spread_over_the_window_and_the_balance_names_an_overload():
    """A 52.7 ha cemetery mown in 6 h packages within Mon-Fri: the parts are due spread over
    the five workdays (at most ceil(n/5) a day, not 25 on Friday) and each fits a shift; with
    one crew-day too few on Wednesday the week is 'überlastet' although the week's total fits,
    and the note names the cemetery."""
    from greentour.demand.durations import DurationEstimate
    from greentour.demand.model import DemandTask
    from greentour.demand.packaging import DemandSettings, split_long_tasks

    monday = dt.date(2025, 6, 23)
    friday = monday + dt.timedelta(days=4)
    hours = 160
    est = DurationEstimate(hours * 3600, 2, "formula", hours * 3600)
    cemetery = DemandTask("forecast:mow_wide:7", 7, "mow_wide", "forecast", monday, friday, 0.7,
                          527_000.0, est)
    settings = DemandSettings(max_package_h=6.0)
    parts = split_long_tasks([cemetery], _ctx(land="BY"), settings)
    assert len(parts) >= 27 and all(p.duration_s <= 6 * 3600 for p in parts)
    per_day: dict[dt.date, int] = {}
    for p in parts:
        assert monday <= p.due_earliest == p.due_latest <= friday
        per_day[p.due_latest] = per_day.get(p.due_latest, 0) + 1
    assert sorted(per_day) == [monday + dt.timedelta(days=i) for i in range(5)]
    assert max(per_day.values()) <= -(-len(parts) // 5)
    items = [DueItem(p.task_type, p.generator, p.urgency, p.due_earliest, p.due_latest,
                     p.person_s, "Salvator-Friedhof") for p in parts]
    full = [CrewCapacity(d, 2, 8 * 3600) for d in per_day for _ in range(6)]
    crews = [c for i, c in enumerate(full) if not (c.date.weekday() == 2 and i % 6 >= 3)]
    week = balance_week(items, crews, monday, land="BY")
    assert week.due_h <= week.available_h + 1e-6 and week.status == "überlastet"
    (wednesday,) = week.overloaded_days
    assert wednesday.date == monday + dt.timedelta(days=2)
    note = week.as_dict()["overload_de"]
    assert note.startswith("Mi 25.06.:") and "vor allem Salvator-Friedhof" in note
    assert "mostly Salvator-Friedhof" in week.as_dict()["overload_en"]


def test_a_group_of_unnamed_lawns_names_them_by_their_site_label():
    """A group's explanation names unnamed lawns as everywhere else ("Rasen an der …"), never
    by their database id."""
    from greentour.demand.generators.forecast import ForecastSignal, generate_forecast_tasks
    from greentour.demand.model import SiteInfo
    from greentour.demand.packaging import DemandSettings, group_small_lawns

    streets = {1: "Rasen an der Mozartstraße", 2: "Rasen am Kunigundenweg"}
    sites = [SiteInfo(i, "", "lawn", box(i * 110, 0, i * 110 + 10, 10), area_m2=100.0,
                      care_class="utility_intensive", label=streets[i]) for i in (1, 2)]
    day = dt.date(2026, 6, 15)
    signals = [ForecastSignal(i, "mow", day, day + dt.timedelta(days=3), 0.6, "Schnitt bei 75 mm")
               for i in (1, 2)]
    ctx = _ctx()
    tasks = generate_forecast_tasks(sites, signals, day, day + dt.timedelta(days=6), ctx)
    group = group_small_lawns(tasks, {s.id: s for s in sites}, ctx,
                              DemandSettings(walk_distance_m=150))
    assert [t.member_site_ids for t in group] == [(1, 2)]
    text = group[0].explanation
    assert "Rasen an der Mozartstraße" in text and "Rasen am Kunigundenweg" in text
    assert "Fläche 1" not in text


def test_longest_work_stretch_follows_the_site_rules_within_the_shift():
    """A pitch open for work only after school (13:00-20:00) gives 150 min in a 06:30-15:30
    shift; a cemetery closed 10-12 for funerals gives 06:30-10:00 minus the 15 min breakfast
    break = 195 min; no shift that day gives 0."""
    from greentour.demand.calendars import longest_work_minutes

    monday = dt.date(2026, 6, 22)
    shift, breaks = (6 * 60 + 30, 15 * 60 + 30), [(9 * 60, 9 * 60 + 15), (12 * 60, 12 * 60 + 30)]
    pitch = SiteCalendar(rules=rules_from_records(
        [{"kind": "allowed", "start": "13:00", "end": "20:00", "weekdays": "MO-FR"}]))
    cemetery = SiteCalendar(rules=rules_from_records(
        [{"kind": "blocked", "start": "10:00", "end": "12:00", "weekdays": "MO-FR"}]))
    assert longest_work_minutes(monday, pitch, "mow_wide", shift, breaks) == 150
    assert longest_work_minutes(monday, cemetery, "mow_ornamental", shift, breaks) == 195
    assert longest_work_minutes(monday, cemetery, "mow_ornamental", None, breaks) == 0


def test_a_task_longer_than_the_site_allows_in_one_go_is_split_to_fit():
    """A 2.7 h cut of a pitch that may be worked 2.5 h a day becomes parts that each fit the
    stretch (before: one task no crew could ever do, "Kein Zeitfenster liegt in einer
    Schicht"); a site without rules keeps its task whole."""
    from greentour.demand.durations import DurationEstimate
    from greentour.demand.model import DemandTask
    from greentour.demand.packaging import DemandSettings, split_long_tasks

    monday = dt.date(2026, 6, 22)
    est = DurationEstimate(9796, 1, "formula", 9796)
    pitch = DemandTask("forecast:mow_wide:8", 8, "mow_wide", "forecast", monday,
                       monday + dt.timedelta(days=1), 0.7, 20_000.0, est)
    lawn = DemandTask("forecast:mow_wide:9", 9, "mow_wide", "forecast", monday,
                      monday + dt.timedelta(days=1), 0.7, 20_000.0, est)
    stretch_s = {8: 150 * 60}
    parts = split_long_tasks([pitch, lawn], _ctx(land="BY"), DemandSettings(max_package_h=6.0),
                             longest_visit_s=lambda t: stretch_s.get(t.site_id))
    pitch_parts = [p for p in parts if p.site_id == 8]
    assert len(pitch_parts) >= 2 and all(p.duration_s <= 150 * 60 for p in pitch_parts)
    assert sum(p.quantity for p in pitch_parts) == pytest.approx(20_000.0)
    assert [p.duration_s for p in parts if p.site_id == 9] == [9796]
