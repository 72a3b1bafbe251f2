"""TTN webhook: real Dragino LSE01 uplinks from ../shared/data/sensors into sensor observations."""

from __future__ import annotations

import copy
import json

import pytest
from crew_sample import build_crew_sample
from sqlalchemy import func, select

from greentour.crew import sensors
from greentour.store.models import Observation
from greentour.store.tenancy import tenant_session

SECRET_HEADER = "X-Greentour-Secret"


@pytest.fixture(scope="module")
def uplinks(data_dir):
    """The 96 real TTN v3 messages (LSE01 soil sensor and a GPS tracker)."""
    path = data_dir / "sensors" / "ttn_v3_uplinks_dragino_lse01_humidr_2023-06.json"
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def setup(engine):
    sample = build_crew_sample(engine)
    tenant_id = sample.tenant_ids["lauf"]
    with tenant_session(engine, tenant_id) as session, session.begin():
        secret, _record = sensors.create_webhook_secret(session, tenant_id, "TTN Lauf")
        sensors.assign_device(session, LSE01_ID, sample.site_ids["a1"][0])
    return sample, secret


def _bare(message):
    """TTN webhooks post the uplink without the stream API's {"result": ...} envelope."""
    return message["result"]


LSE01_ID = "eui-a8404194a1875ff3"


def _device(message):
    return message["result"]["end_device_ids"]["device_id"]


def _lse01(uplinks):
    return [m for m in uplinks if _device(m) == LSE01_ID]


def _observations(engine, tenant_id):
    with tenant_session(engine, tenant_id) as session:
        return list(session.scalars(select(Observation).order_by(Observation.observed_at)))


def test_valid_uplink_is_stored_once_at_the_assigned_site(client, engine, setup, uplinks):
    """A plausible LSE01 uplink becomes an accepted observation of the tree's site, once."""
    sample, secret = setup
    message = _bare(_lse01(uplinks)[-1])
    first = client.post("/api/v1/sensors/ttn", json=message, headers={SECRET_HEADER: secret})
    assert first.status_code == 201
    stored = first.get_json()
    assert stored["status"] == "accepted"
    assert stored["site_id"] == sample.site_ids["a1"][0]
    assert 30 < stored["values"]["water_pct"] < 50
    retry = client.post("/api/v1/sensors/ttn", json=message, headers={SECRET_HEADER: secret})
    assert retry.status_code == 201 and retry.headers["Idempotent-Replay"] == "true"
    assert len(_observations(engine, sample.tenant_ids["lauf"])) == 1


def test_sensor_in_air_and_foreign_device_are_kept_as_rejected(client, engine, setup, uplinks):
    """The first message (probe in air) and a GPS tracker are stored as rejected with reasons."""
    sample, secret = setup
    in_air = _bare(_lse01(uplinks)[0])
    tracker = _bare(next(m for m in uplinks if "gps" in _device(m)))
    for message in (in_air, tracker):
        answer = client.post("/api/v1/sensors/ttn", json=message, headers={SECRET_HEADER: secret})
        assert answer.status_code == 201
        assert answer.get_json()["status"] == "rejected"
    reasons = [o.reject_reason for o in _observations(engine, sample.tenant_ids["lauf"])]
    assert any("nicht im Boden" in r for r in reasons)
    assert any("LSE01" in r for r in reasons)


def test_all_real_lse01_messages_store_one_observation_each(client, engine, setup, uplinks):
    """All 41 LSE01 messages (both decoder variants, envelope kept) give 41 observations."""
    sample, secret = setup
    for message in _lse01(uplinks):
        answer = client.post("/api/v1/sensors/ttn", json=message, headers={SECRET_HEADER: secret})
        assert answer.status_code == 201
    stored = _observations(engine, sample.tenant_ids["lauf"])
    assert len(stored) == 41
    assert sum(not o.rejected for o in stored) >= 35


@pytest.mark.parametrize(
    "header",
    [None, "falsch", "gts1.1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
)
def test_webhook_without_the_shared_secret_is_refused(client, engine, setup, uplinks, header):
    """Without the right secret header the webhook answers 401 and stores nothing."""
    sample, _secret = setup
    headers = {SECRET_HEADER: header} if header else {}
    answer = client.post("/api/v1/sensors/ttn", json=_bare(_lse01(uplinks)[-1]), headers=headers)
    assert answer.status_code == 401
    with tenant_session(engine, sample.tenant_ids["lauf"]) as session:
        assert session.scalar(select(func.count()).select_from(Observation)) == 0


def test_not_an_uplink_is_422(client, setup):
    """A JSON body that is no TTN uplink is refused with a reason (422)."""
    _sample, secret = setup
    answer = client.post(
        "/api/v1/sensors/ttn",
        json={"received_at": 17, "uplink_message": "x"},
        headers={SECRET_HEADER: secret},
    )
    assert answer.status_code == 422
    assert answer.get_json()["message"]


def test_sensor_readings_and_crew_reports_reach_the_forecast_inputs(
    client, engine, setup, uplinks
):
    """Stored TTN readings and a crew's grass length appear in the forecast's site inputs (#5)."""
    import datetime as dt

    from forecasting.care_classes import load_care_classes
    from greentour.forecast import inputs as forecast_inputs
    from greentour.store.models import Tenant

    sample, secret = setup
    for message in _lse01(uplinks):
        client.post("/api/v1/sensors/ttn", json=message, headers={SECRET_HEADER: secret})
    report = {
        "client_uuid": "5b0f3c9e-8d1a-4e57-9b1e-2f6c1d0a9e11",
        "stop_id": sample.stop_ids["a1"][0],
        "plan_version": 1,
        "status": "done",
        "grass_length": "long",
        "device_time": f"{sample.day.isoformat()}T09:30:00+01:00",
    }
    posted = client.post(
        "/api/v1/reports", json=report, headers={"Authorization": f"Bearer {sample.tokens['a1']}"}
    )
    assert posted.status_code == 201
    care = load_care_classes(forecast_inputs.CARE_CLASSES_FILE)
    tenant_id = sample.tenant_ids["lauf"]
    with tenant_session(engine, tenant_id) as session:
        inputs, _skipped = forecast_inputs.site_inputs(
            session, session.get(Tenant, tenant_id), care, sample.day + dt.timedelta(days=1)
        )
    by_site = dict(inputs)
    mowed = by_site[sample.site_ids["a1"][0]]
    assert [(r.day, r.grass_length) for r in mowed.reports] == [(sample.day, "long")]
    assert mowed.last_service == sample.day
    water = mowed.sensor_water_pct  # the sensor stands at this very site
    assert water is not None and len(water) >= 2
    assert 30 < float(water.iloc[-1]) < 50


def _at(message: dict, received_at: str) -> dict:
    """``message`` as if TTN had received it at ``received_at``."""
    moved = copy.deepcopy(message)
    moved["received_at"] = received_at
    moved["uplink_message"]["received_at"] = received_at
    return moved


def test_same_uplink_with_changed_values_is_a_conflict(client, engine, setup, uplinks):
    """Same device and receive time with other values: 409, the first reading stays (#14)."""
    sample, secret = setup
    first, other = _bare(_lse01(uplinks)[-1]), _bare(_lse01(uplinks)[-2])
    headers = {SECRET_HEADER: secret}
    assert client.post("/api/v1/sensors/ttn", json=first, headers=headers).status_code == 201
    changed = _at(other, first["received_at"])
    answer = client.post("/api/v1/sensors/ttn", json=changed, headers=headers)
    assert answer.status_code == 409
    assert "anderen Werten" in answer.get_json()["message"]
    stored = _observations(engine, sample.tenant_ids["lauf"])
    assert len(stored) == 1
    assert client.post("/api/v1/sensors/ttn", json=first, headers=headers).status_code == 201


@pytest.mark.parametrize("received_at", ["2099-06-20T14:34:32Z", "1970-01-01T00:00:00Z"])
def test_uplink_dated_2099_or_1970_is_refused(client, engine, setup, uplinks, received_at):
    """A receive time far in the future or before LoRaWAN existed is 422 naming received_at."""
    sample, secret = setup
    message = _at(_bare(_lse01(uplinks)[-1]), received_at)
    answer = client.post("/api/v1/sensors/ttn", json=message, headers={SECRET_HEADER: secret})
    assert answer.status_code == 422
    assert "received_at" in answer.get_json()["detail"]["json"]
    assert _observations(engine, sample.tenant_ids["lauf"]) == []
