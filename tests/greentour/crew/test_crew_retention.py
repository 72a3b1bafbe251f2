"""Privacy services of the crew side: retention periods, tenant settings, token hashing, CLI."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from crew_sample import build_crew_sample
from sqlalchemy import func, select

from greentour.crew import photos, reports, retention, tokens
from greentour.crew.privacy import PrivacySettings, privacy_settings
from greentour.errors import ConfigError, Unauthorized
from greentour.store.models import Completion, DeviceToken, Tenant
from greentour.store.models_crew import StopStart
from greentour.store.tenancy import tenant_session

NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def sample(engine):
    return build_crew_sample(engine)


def _report(session, device, sample, index, status, server_time, note="", photo=None, tmp=None):
    privacy = PrivacySettings()
    result = reports.submit_report(
        session,
        device,
        reports.ReportInput(
            client_uuid=str(uuid.uuid4()),
            status=status,
            plan_version=1,
            device_time=server_time - dt.timedelta(minutes=3),
            stop_id=sample.stop_ids["a1"][index],
            grass_length="short" if status == "done" else None,
            reason="Boden zu nass" if status == "not_possible" else None,
            note=note,
        ),
        privacy,
        now=server_time,
    )
    if photo is not None:
        completion = reports.get_completion(session, device, result.report["client_uuid"])
        photos.store_photo(completion, photo, tmp, privacy)
    return result.report["client_uuid"]


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 10)).save(out, format="PNG")
    return out.getvalue()


def test_retention_erases_times_photos_and_notes_but_keeps_the_outcome(engine, sample, tmp_path):
    """Old reports lose per-stop times, photos and notes; their outcome and day remain."""
    tenant_id = sample.tenant_ids["lauf"]
    old = NOW - dt.timedelta(days=400)
    with tenant_session(engine, tenant_id) as session, session.begin():
        device = tokens.authenticate(session, sample.tokens["a1"], now=NOW)
        _report(session, device, sample, 0, "started", old)
        old_uuid = _report(session, device, sample, 0, "done", old, note="Herr X war krank",
                           photo=_png(), tmp=tmp_path)
        new_uuid = _report(session, device, sample, 1, "done", NOW - dt.timedelta(days=1),
                           note="frisch", photo=_png(), tmp=tmp_path)
    old_photo = next((tmp_path / "photos" / str(tenant_id)).glob(f"{old_uuid}.*"))

    with tenant_session(engine, tenant_id) as session, session.begin():
        tenant = session.get(Tenant, tenant_id)
        result = retention.purge_tenant(session, tenant, tmp_path, now=NOW)
    assert (result.stop_times_erased, result.starts_deleted) == (1, 1)
    assert (result.photos_deleted, result.notes_erased) == (1, 1)
    assert not old_photo.exists()

    with tenant_session(engine, tenant_id) as session:
        gone = session.scalar(select(Completion).where(Completion.client_uuid == old_uuid))
        assert gone.status == "done" and gone.grass_length == "short"
        assert gone.device_time is None and gone.started_at is None and gone.finished_at is None
        assert gone.server_time.date() == old.date()
        assert (gone.server_time.minute, gone.note, gone.photo_path) == (0, "", None)
        kept = session.scalar(select(Completion).where(Completion.client_uuid == new_uuid))
        assert kept.device_time is not None and kept.note == "frisch"
        assert kept.photo_path is not None
        assert session.scalar(select(func.count()).select_from(StopStart)) == 0

    with tenant_session(engine, tenant_id) as session, session.begin():
        again = retention.purge_tenant(session, session.get(Tenant, tenant_id), tmp_path, now=NOW)
    assert again.stop_times_erased == again.photos_deleted == again.notes_erased == 0


def test_tenant_setting_shortens_the_retention_period(engine, sample, tmp_path):
    """privacy.stop_times_days = 7 erases the times of a 10-day-old report, 90 would not."""
    tenant_id = sample.tenant_ids["lauf"]
    with tenant_session(engine, tenant_id) as session, session.begin():
        device = tokens.authenticate(session, sample.tokens["a1"], now=NOW)
        _report(session, device, sample, 2, "done", NOW - dt.timedelta(days=10))
    with tenant_session(engine, tenant_id) as session, session.begin():
        tenant = session.get(Tenant, tenant_id)
        default = retention.purge_tenant(session, tenant, tmp_path, now=NOW)
        assert default.stop_times_erased == 0
        tenant.config_json = {"privacy": {"stop_times_days": 7}}
    with tenant_session(engine, tenant_id) as session, session.begin():
        tenant = session.get(Tenant, tenant_id)
        short = retention.purge_tenant(session, tenant, tmp_path, now=NOW)
    assert short.stop_times_erased == 1


@pytest.mark.parametrize(
    "table, key",
    [
        ({"stop_times_days": 0}, "privacy.stop_times_days"),
        ({"photos_days": "30"}, "privacy.photos_days"),
        ({"stop_times_visible_to": ["crew"]}, "privacy.stop_times_visible_to"),
        ({"gps_tracking": True}, "privacy.gps_tracking"),
    ],
)
def test_bad_privacy_settings_are_refused_naming_the_key(table, key):
    """A bad [privacy] value is refused with the dotted key (there is no GPS switch at all)."""
    with pytest.raises(ConfigError) as info:
        privacy_settings({"privacy": table}, source="lauf.toml")
    assert info.value.key == key


def test_default_privacy_shows_stop_times_only_to_admins():
    """Without settings only admins see per-stop times; a tenant may add planners."""
    assert privacy_settings({}).may_see_stop_times("admin")
    assert not privacy_settings({}).may_see_stop_times("planner")
    both = privacy_settings({"privacy": {"stop_times_visible_to": ["planner", "admin"]}})
    assert both.may_see_stop_times("planner")


def test_tokens_are_stored_as_hashes_and_name_their_tenant(engine, sample):
    """The clear token is nowhere in the database; its tenant id is part of the token."""
    token = sample.tokens["b1"]
    assert tokens.tenant_id_of(token) == sample.tenant_ids["hersbruck"]
    with tenant_session(engine, sample.tenant_ids["hersbruck"]) as session:
        stored = session.scalars(select(DeviceToken.token_hash)).all()
    assert tokens.hash_token(token) in stored and token not in stored
    with pytest.raises(Unauthorized):
        tokens.tenant_id_of("gtc1.x.y")


def test_token_of_one_tenant_is_unknown_in_another(engine, sample):
    """Authenticating Hersbruck's token in Lauf's tenant session fails (401)."""
    with tenant_session(engine, sample.tenant_ids["lauf"]) as session, pytest.raises(Unauthorized):
        tokens.authenticate(session, sample.tokens["b1"])


def test_expired_token_is_refused(engine, sample):
    """A token past its validity is refused with a reason."""
    tenant_id = sample.tenant_ids["lauf"]
    with tenant_session(engine, tenant_id) as session, session.begin():
        issued = tokens.issue_token(
            session, tenant_id, crew_template_id=sample.template_ids["a1"], valid_days=1
        )
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    with tenant_session(engine, tenant_id) as session, pytest.raises(Unauthorized) as info:
        tokens.authenticate(session, issued.token, now=later)
    assert "abgelaufen" in info.value.message


def test_device_tokens_expire_by_default_after_the_tenant_setting(engine, sample):
    """Without a validity a token expires after privacy.device_token_days (365, or the
    tenant's value); before #14 it never expired."""
    tenant_id = sample.tenant_ids["lauf"]
    now = dt.datetime.now(dt.UTC)
    with tenant_session(engine, tenant_id) as session, session.begin():
        default = tokens.issue_token(session, tenant_id, crew_template_id=sample.template_ids["a1"])
        assert abs(default.record.expires_at - (now + dt.timedelta(days=365))).total_seconds() < 60
        session.get(Tenant, tenant_id).config_json = {"privacy": {"device_token_days": 30}}
    with tenant_session(engine, tenant_id) as session, session.begin():
        short = tokens.issue_token(session, tenant_id, crew_template_id=sample.template_ids["a1"])
        token = short.token
    with tenant_session(engine, tenant_id) as session:
        tokens.authenticate(session, token, now=now + dt.timedelta(days=29))
        with pytest.raises(Unauthorized, match="abgelaufen"):
            tokens.authenticate(session, token, now=now + dt.timedelta(days=31))
    with pytest.raises(ConfigError, match="device_token_days"):
        privacy_settings({"privacy": {"device_token_days": 0}})


def test_retention_cli_hook_runs_for_all_tenants(cli_runner, engine, sample):
    """``greentour crew-retention`` applies the periods to every tenant and says so."""
    from greentour.crew.cli import command

    answer = cli_runner.invoke(command, [])
    assert answer.exit_code == 0, answer.output
    assert answer.output.count("Mandant ") == 2
    one = cli_runner.invoke(command, ["--tenant", "hersbruck"])
    assert one.exit_code == 0 and one.output.count("Mandant ") == 1


def test_token_cli_writes_url_and_qr(cli_runner, engine, sample, tmp_path):
    """``greentour crew-token`` prints the tablet URL with a working token and writes the QR."""
    from greentour.crew.cli_token import command as token_command

    qr = tmp_path / "kolonne.png"
    answer = cli_runner.invoke(
        token_command, ["--tenant", "lauf", "--crew", "Kolonne 2", "--qr", str(qr)]
    )
    assert answer.exit_code == 0, answer.output
    url = answer.output.splitlines()[0]
    token = url.split("#token=")[1]
    assert qr.read_bytes().startswith(b"\x89PNG")
    with tenant_session(engine, sample.tenant_ids["lauf"]) as session:
        device = tokens.authenticate(session, token)
        assert device.crew_template_id == sample.template_ids["a2"]


@pytest.mark.parametrize(
    "days, text",
    [([1, 2, 3, 4, 5], "Mo–Fr"), ([1, 2, 3, 4, 5, 7], "Mo–Fr, So"), ([6, 7], "Sa, So"), ([], "")],
)
def test_time_rule_weekdays_read_like_a_sign(days, text):
    """Weekday runs in a stop's notes are written as on a German sign (Mo–Fr)."""
    from greentour.crew.tour import weekday_span_de

    assert weekday_span_de(days) == text


def test_last_use_of_a_token_is_kept_as_a_day_only(engine, sample):
    """Using a token records the day (00:00 UTC), never the time the crew started."""
    tenant_id = sample.tenant_ids["lauf"]
    morning = dt.datetime(2026, 6, 2, 5, 47, 13, tzinfo=dt.UTC)
    with tenant_session(engine, tenant_id) as session, session.begin():
        tokens.authenticate(session, sample.tokens["a1"], now=morning)
    with tenant_session(engine, tenant_id) as session:
        record = session.get(DeviceToken, sample.token_ids["a1"])
    assert record.last_used_at == dt.datetime(2026, 6, 2, tzinfo=dt.UTC)
