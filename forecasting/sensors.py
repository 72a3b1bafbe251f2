"""Soil sensors: The Things Network v3 uplinks from Dragino LSE01 soil moisture/temperature/EC.

An LSE01 uplink (f_port 2) carries 11 bytes: battery mV (14 bits), DS18B20 probe temperature
(signed, 0.1 °C), volumetric soil water (0.01 %), soil temperature (signed, 0.01 °C), electrical
conductivity (µS/cm) and a flag byte. The network server may add a ``decoded_payload`` from a
JavaScript decoder; its typing changed between decoder versions (``"30.11 °C"`` strings with units,
unit-less strings ``"48.00"``, plain numbers). We decode the raw bytes ourselves, read both
decoded variants, and reject a reading with a reason when the two disagree or a value is
impossible. Rejected readings are kept (``status == "rejected"``) so that a planner can see why a
sensor said nothing useful.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from forecasting.errors import SensorPayloadError

LSE01_PORT = 2
LSE01_PAYLOAD_BYTES = 11

# Datasheet measuring ranges of the LSE01 probe.
WATER_RANGE_PCT = (0.0, 100.0)
SOIL_TEMP_RANGE_C = (-40.0, 85.0)
EC_RANGE_US_CM = (0.0, 20000.0)
BATTERY_RANGE_V = (2.5, 3.7)

REASONS = {
    "not_in_soil": (
        "Sensor steckt nicht im Boden (Wasser 0 % und Leitfähigkeit 0)",
        "sensor is not in the soil (water 0 % and conductivity 0)",
    ),
    "water_out_of_range": (
        "Bodenwasser außerhalb 0-100 %",
        "soil water outside 0-100 %",
    ),
    "soil_temp_out_of_range": (
        "Bodentemperatur außerhalb des Messbereichs -40..85 °C",
        "soil temperature outside the measuring range -40..85 °C",
    ),
    "ec_out_of_range": (
        "Leitfähigkeit außerhalb des Messbereichs 0-20000 µS/cm",
        "conductivity outside the measuring range 0-20000 µS/cm",
    ),
    "battery_implausible": (
        "Batteriespannung unplausibel",
        "implausible battery voltage",
    ),
    "decoded_mismatch": (
        "Dekodierte Werte des Netzservers passen nicht zu den Rohdaten",
        "the network server's decoded values disagree with the raw payload",
    ),
    "not_lse01": (
        "Kein Dragino-LSE01-Bodensensor",
        "not a Dragino LSE01 soil sensor",
    ),
    "bad_payload": (
        "Rohdaten nicht lesbar",
        "raw payload unreadable",
    ),
}


@dataclass(frozen=True)
class Reason:
    """Why a reading was rejected: a stable code and the text in German and English."""

    code: str
    text_de: str
    text_en: str

    @classmethod
    def of(cls, code: str, detail: str = "") -> Reason:
        de, en = REASONS[code]
        suffix = f" ({detail})" if detail else ""
        return cls(code, de + suffix, en + suffix)


@dataclass
class SoilReading:
    """One sensor uplink, accepted or rejected (with reasons)."""

    device_id: str
    received_at: datetime
    status: str  # "accepted" | "rejected"
    water_pct: float | None = None
    soil_temp_c: float | None = None
    ec_us_cm: float | None = None
    battery_v: float | None = None
    payload_variant: str | None = None  # "units", "plain" or "raw-only"
    reasons: list[Reason] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"


def decode_lse01(payload: bytes) -> dict[str, float]:
    """Decode the 11-byte LSE01 payload to battery_v, probe_temp_c, water_pct, soil_temp_c,
    ec_us_cm and flags (raw flag byte)."""
    if len(payload) != LSE01_PAYLOAD_BYTES:
        raise SensorPayloadError(
            f"LSE01 payload must be {LSE01_PAYLOAD_BYTES} bytes, got {len(payload)}"
        )
    battery_mv = int.from_bytes(payload[0:2], "big") & 0x3FFF
    probe = int.from_bytes(payload[2:4], "big", signed=True)
    water = int.from_bytes(payload[4:6], "big")
    soil_t = int.from_bytes(payload[6:8], "big", signed=True)
    ec = int.from_bytes(payload[8:10], "big")
    return {
        "battery_v": battery_mv / 1000.0,
        "probe_temp_c": probe / 10.0,
        "water_pct": water / 100.0,
        "soil_temp_c": soil_t / 100.0,
        "ec_us_cm": float(ec),
        "flags": float(payload[10]),
    }


_NUMBER = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(\S*)\s*$")


def _decoded_number(value: Any) -> tuple[float | None, bool]:
    """A decoded_payload value as a number, and whether it carried a unit."""
    if value is None:
        return None, False
    if isinstance(value, int | float):
        return float(value), False
    match = _NUMBER.match(str(value))
    if not match:
        return None, False
    return float(match.group(1)), bool(match.group(2))


def parse_uplink(message: dict[str, Any]) -> SoilReading:
    """Parse one TTN v3 uplink message (``{"result": {...}}`` or the bare result) to a reading."""
    result = message.get("result", message)
    try:
        ids = result["end_device_ids"]
        device_id = ids["device_id"]
        received_at = pd.Timestamp(result["received_at"]).floor("us").to_pydatetime()
        uplink = result["uplink_message"]
    except (KeyError, TypeError, ValueError) as exc:
        raise SensorPayloadError(f"not a TTN v3 uplink message: missing {exc}") from exc
    reading = SoilReading(device_id=device_id, received_at=received_at, status="rejected")
    decoded = uplink.get("decoded_payload") or {}
    looks_like_lse01 = "water_SOIL" in decoded or _is_lse01(ids)
    if uplink.get("f_port") != LSE01_PORT or not looks_like_lse01:
        reading.reasons.append(Reason.of("not_lse01", f"f_port {uplink.get('f_port')}"))
        return reading
    try:
        raw = decode_lse01(base64.b64decode(uplink["frm_payload"], validate=True))
    except (KeyError, ValueError, SensorPayloadError) as exc:
        reading.reasons.append(Reason.of("bad_payload", str(exc)))
        return reading
    reading.battery_v = raw["battery_v"]
    reading.water_pct = raw["water_pct"]
    reading.soil_temp_c = raw["soil_temp_c"]
    reading.ec_us_cm = raw["ec_us_cm"]
    reading.payload_variant = "raw-only"
    if decoded:
        units = False
        for key, raw_key, tol in (
            ("water_SOIL", "water_pct", 0.006),
            ("temp_SOIL", "soil_temp_c", 0.006),
            ("conduct_SOIL", "ec_us_cm", 0.5),
        ):
            value, has_unit = _decoded_number(decoded.get(key))
            units = units or has_unit
            if value is not None and abs(value - raw[raw_key]) > tol:
                reading.reasons.append(
                    Reason.of("decoded_mismatch", f"{key}: {value} vs {raw[raw_key]}")
                )
        reading.payload_variant = "units" if units else "plain"
    reading.reasons.extend(plausibility_reasons(reading))
    reading.status = "rejected" if reading.reasons else "accepted"
    return reading


def _is_lse01(ids: dict[str, Any]) -> bool:
    return str(ids.get("dev_eui", "")).upper().startswith("A84041") and "gps" not in str(
        ids.get("device_id", "")
    )


def plausibility_reasons(reading: SoilReading) -> list[Reason]:
    """Reasons why the values of a decoded reading cannot be used (empty list: plausible)."""
    reasons: list[Reason] = []
    water, ec, temp, bat = (
        reading.water_pct,
        reading.ec_us_cm,
        reading.soil_temp_c,
        reading.battery_v,
    )
    if water is not None and ec is not None and water == 0 and ec == 0:
        reasons.append(Reason.of("not_in_soil"))
    if water is not None and not WATER_RANGE_PCT[0] <= water <= WATER_RANGE_PCT[1]:
        reasons.append(Reason.of("water_out_of_range", f"{water} %"))
    if temp is not None and not SOIL_TEMP_RANGE_C[0] <= temp <= SOIL_TEMP_RANGE_C[1]:
        reasons.append(Reason.of("soil_temp_out_of_range", f"{temp} °C"))
    if ec is not None and not EC_RANGE_US_CM[0] <= ec <= EC_RANGE_US_CM[1]:
        reasons.append(Reason.of("ec_out_of_range", f"{ec} µS/cm"))
    if bat is not None and not BATTERY_RANGE_V[0] <= bat <= BATTERY_RANGE_V[1]:
        reasons.append(Reason.of("battery_implausible", f"{bat} V"))
    return reasons


def read_ttn_uplinks(source: str | Path | list[dict[str, Any]]) -> list[SoilReading]:
    """Read a JSON list of TTN v3 uplink messages (webhook/MQTT dumps) into readings.

    Every message yields a reading; unusable ones are ``rejected`` with reasons, never dropped.
    """
    if isinstance(source, list):
        messages = source
    else:
        path = Path(source)
        try:
            messages = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise SensorPayloadError(f"{path.name}: not readable JSON ({exc})") from exc
    if not isinstance(messages, list):
        raise SensorPayloadError("expected a JSON list of TTN uplink messages")
    return [parse_uplink(m) for m in messages]


def daily_soil_water(readings: list[SoilReading], tz: str = "Europe/Berlin") -> pd.Series:
    """Daily mean volumetric soil water in % from accepted readings, indexed by local date."""
    ok = [r for r in readings if r.accepted and r.water_pct is not None]
    if not ok:
        return pd.Series(dtype=float, name="water_pct")
    stamps = pd.to_datetime([r.received_at for r in ok], utc=True).tz_convert(tz)
    series = pd.Series([r.water_pct for r in ok], index=stamps.tz_localize(None).normalize())
    daily = series.groupby(level=0).mean()
    daily.index.name = "date"
    daily.name = "water_pct"
    return daily
