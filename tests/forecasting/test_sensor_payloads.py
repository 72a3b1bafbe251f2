"""Dragino LSE01 uplinks from The Things Network v3: decoding, both payload variants, rejects."""

from __future__ import annotations

import base64
import copy
import json

import pytest

from forecasting.errors import SensorPayloadError
from forecasting.sensors import daily_soil_water, decode_lse01, parse_uplink, read_ttn_uplinks

LSE01 = "eui-a8404194a1875ff3"


@pytest.fixture(scope="module")
def sample_path(data_dir):
    return data_dir / "sensors" / "ttn_v3_uplinks_dragino_lse01_humidr_2023-06.json"


@pytest.fixture(scope="module")
def readings(sample_path):
    return read_ttn_uplinks(sample_path)


def _lse01_message(sample_path) -> dict:
    messages = json.loads(sample_path.read_text())
    return next(
        m
        for m in messages
        if m["result"]["end_device_ids"]["device_id"] == LSE01
        and isinstance(m["result"]["uplink_message"]["decoded_payload"]["conduct_SOIL"], int)
    )


def test_sample_counts_and_date_range(readings):
    """96 messages 2023-06-20T14:34Z..06-22T07:54Z: 41 LSE01, 55 from a GPS tracker (rejected)."""
    assert len(readings) == 96
    lse = [r for r in readings if r.device_id == LSE01]
    assert len(lse) == 41
    foreign = [r for r in readings if r.device_id != LSE01]
    assert len(foreign) == 55
    assert all(r.status == "rejected" and r.reasons[0].code == "not_lse01" for r in foreign)
    stamps = sorted(r.received_at for r in readings)
    assert stamps[0].isoformat().startswith("2023-06-20T14:34")
    assert stamps[-1].isoformat().startswith("2023-06-22T07:54")


def test_not_in_soil_rejected_with_reason_and_kept(readings):
    """The first messages (water 0 %, EC 0: sensor in the air) are rejected, kept, with a reason
    in German and English; all others are accepted with water 31.7-48.4 % and EC 161-422."""
    lse = [r for r in readings if r.device_id == LSE01]
    rejected = [r for r in lse if not r.accepted]
    assert len(rejected) == 2
    assert all([x.code for x in r.reasons] == ["not_in_soil"] for r in rejected)
    assert "nicht im Boden" in rejected[0].reasons[0].text_de
    assert "not in the soil" in rejected[0].reasons[0].text_en
    accepted = [r for r in lse if r.accepted]
    assert len(accepted) == 39
    water = [r.water_pct for r in accepted]
    assert min(water) == pytest.approx(31.73) and max(water) == pytest.approx(48.35)
    assert min(r.ec_us_cm for r in accepted) == 161
    assert max(r.ec_us_cm for r in accepted) == 422


def test_both_decoded_payload_variants_agree_with_raw_bytes(readings):
    """Strings with units ("30.11 °C") and plain numbers/strings both match our raw decoding."""
    lse = [r for r in readings if r.device_id == LSE01]
    variants = {r.payload_variant for r in lse}
    assert variants == {"units", "plain"}
    assert not any(x.code == "decoded_mismatch" for r in lse for x in r.reasons)
    first = min(lse, key=lambda r: r.received_at)
    assert first.payload_variant == "units"
    assert first.soil_temp_c == pytest.approx(30.11)
    assert first.battery_v == pytest.approx(3.384)


def test_decode_golden_payload():
    """DQQAAAxlCZQAoRA= decodes to 3.332 V, water 31.73 %, soil 24.52 °C, EC 161 µS/cm."""
    values = decode_lse01(base64.b64decode("DQQAAAxlCZQAoRA="))
    assert values["battery_v"] == pytest.approx(3.332)
    assert values["water_pct"] == pytest.approx(31.73)
    assert values["soil_temp_c"] == pytest.approx(24.52)
    assert values["ec_us_cm"] == 161
    with pytest.raises(SensorPayloadError, match="11 bytes"):
        decode_lse01(b"\x00\x01")


def test_impossible_values_rejected_with_reasons(sample_path):
    """A payload with 150 % water and -60 °C soil is rejected (both reasons) and kept."""
    msg = copy.deepcopy(_lse01_message(sample_path))
    payload = bytearray(base64.b64decode(msg["result"]["uplink_message"]["frm_payload"]))
    payload[4:6] = (15000).to_bytes(2, "big")
    payload[6:8] = (-6000).to_bytes(2, "big", signed=True)
    msg["result"]["uplink_message"]["frm_payload"] = base64.b64encode(payload).decode()
    msg["result"]["uplink_message"]["decoded_payload"] = {}
    reading = parse_uplink(msg)
    assert reading.status == "rejected"
    codes = {x.code for x in reading.reasons}
    assert codes == {"water_out_of_range", "soil_temp_out_of_range"}
    assert reading.water_pct == pytest.approx(150.0)


def test_decoder_disagreement_rejected(sample_path):
    """When the network's decoded_payload disagrees with the raw bytes the reading is rejected."""
    msg = copy.deepcopy(_lse01_message(sample_path))
    msg["result"]["uplink_message"]["decoded_payload"]["water_SOIL"] = "12.00"
    reading = parse_uplink(msg)
    assert reading.status == "rejected"
    assert [x.code for x in reading.reasons] == ["decoded_mismatch"]


def test_broken_payload_and_non_uplink(sample_path):
    """Unreadable base64 is a rejected reading; a message without uplink fields is an error."""
    msg = copy.deepcopy(_lse01_message(sample_path))
    msg["result"]["uplink_message"]["frm_payload"] = "!!!"
    assert parse_uplink(msg).reasons[0].code == "bad_payload"
    with pytest.raises(SensorPayloadError, match="not a TTN v3 uplink"):
        parse_uplink({"result": {"foo": 1}})


def test_daily_soil_water_uses_accepted_only(readings):
    """Daily means come from accepted readings only (the 0 % readings of 20 June are left out)."""
    daily = daily_soil_water(readings)
    assert [d.date().isoformat() for d in daily.index] == ["2023-06-21", "2023-06-22"]
    assert daily.min() > 40
