"""The Things Network webhook: LoRaWAN soil sensors at young trees → stored observations.

TTN (The Things Stack v3) posts every uplink as JSON to the webhook URL and can add a custom
header; greentour expects ``X-Greentour-Secret: gts1.<tenant id>.<secret>``. The secret is created
by a planner (:func:`create_webhook_secret`), shown once, and only its SHA-256 is kept. Payloads
are decoded with the forecasting library's Dragino LSE01 decoder
(:func:`forecasting.sensors.parse_uplink`); implausible readings are stored as rejected with the
reason, never dropped, never silently zero. TTN retries a webhook that timed out: the same device
and receive time is stored once; the same device and time with *other* values is a conflict
(409), never silently dropped. A receive time before :data:`EARLIEST_RECEIVED` (LoRaWAN did not
exist; a clock reset to 1970) or more than :data:`MAX_AHEAD` after the server clock (2099) is
refused (422).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forecasting import SensorPayloadError, parse_uplink
from greentour.crew.errors import InvalidReport
from greentour.crew.tokens import hash_token
from greentour.errors import Conflict, NotFound, Unauthorized
from greentour.store import begin_write
from greentour.store.models import Observation, Site
from greentour.store.models_crew import SensorDevice, SensorWebhook

SECRET_PREFIX = "gts1"
SECRET_HEADER = "X-Greentour-Secret"
SOURCE = "ttn:dragino-lse01"
#: Receive times outside EARLIEST_RECEIVED … now + MAX_AHEAD are refused.
EARLIEST_RECEIVED = dt.datetime(2015, 1, 1, tzinfo=dt.UTC)
MAX_AHEAD = dt.timedelta(hours=1)
_SECRET_RE = re.compile(r"^gts1\.(\d{1,12})\.([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class IngestResult:
    """The stored observation and whether this request stored it (False: a TTN retry)."""

    observation: Observation
    created: bool


def tenant_id_of_secret(secret: str | None) -> int:
    """The tenant id written in a webhook secret; :class:`Unauthorized` otherwise."""
    match = _SECRET_RE.match(secret or "")
    if not match:
        raise Unauthorized(f"Header {SECRET_HEADER} fehlt oder ist ungültig")
    return int(match.group(1))


def create_webhook_secret(
    session: Session, tenant_id: int, name: str = ""
) -> tuple[str, SensorWebhook]:
    """A new webhook secret for the tenant: (clear secret shown once, its record)."""
    secret = f"{SECRET_PREFIX}.{tenant_id}.{secrets.token_urlsafe(32)}"
    record = SensorWebhook(
        tenant_id=tenant_id, name=name.strip()[:120], secret_hash=hash_token(secret)
    )
    session.add(record)
    session.flush()
    return secret, record


def check_secret(session: Session, secret: str) -> SensorWebhook:
    """The webhook record of a secret; :class:`Unauthorized` if unknown or revoked."""
    record = session.scalar(
        select(SensorWebhook).where(SensorWebhook.secret_hash == hash_token(secret))
    )
    if record is None or record.revoked:
        raise Unauthorized("Webhook-Geheimnis unbekannt oder widerrufen")
    return record


def assign_device(
    session: Session, device_id: str, site_id: int | None, note: str = ""
) -> SensorDevice:
    """Record at which site a sensor stands (None: not placed)."""
    if site_id is not None and session.get(Site, site_id) is None:
        raise NotFound(f"Fläche #{site_id} gibt es nicht")
    record = session.scalar(select(SensorDevice).where(SensorDevice.device_id == device_id))
    if record is None:
        record = SensorDevice(device_id=device_id)
        session.add(record)
    record.site_id = site_id
    record.note = note[:200]
    session.flush()
    return record


def ingest_uplink(
    session: Session, message: dict[str, Any], now: dt.datetime | None = None
) -> IngestResult:
    """Decode one TTN uplink and store it as a sensor observation (accepted or rejected).

    ``now`` (UTC, aware) is the server clock the receive time is checked against."""
    if not isinstance(message, dict):
        raise InvalidReport("body", "TTN-Uplink muss ein JSON-Objekt sein")
    try:
        reading = parse_uplink(message)
    except (SensorPayloadError, AttributeError, TypeError, ValueError) as exc:
        raise InvalidReport("body", f"Keine TTN-v3-Uplink-Nachricht: {exc}") from None
    observed_at = reading.received_at
    if not isinstance(observed_at, dt.datetime) or observed_at.tzinfo is None:
        raise InvalidReport("received_at", "Empfangszeit ohne Zeitzone (ISO 8601 mit Z erwartet)")
    now = now or dt.datetime.now(dt.UTC)
    if not EARLIEST_RECEIVED <= observed_at <= now + MAX_AHEAD:
        raise InvalidReport(
            "received_at",
            f"Empfangszeit {observed_at.isoformat(timespec='seconds')} ist unplausibel "
            f"(vor {EARLIEST_RECEIVED.year} oder mehr als eine Stunde nach der Serverzeit)",
        )
    full_id = str(reading.device_id)[:120]
    device_id = full_id[:40]
    if not device_id:
        raise InvalidReport("end_device_ids", "device_id fehlt")
    begin_write(session)  # TTN retries may arrive together: check and insert serialised
    existing = session.scalar(
        select(Observation).where(
            Observation.source == SOURCE,
            Observation.station_id == device_id,
            Observation.observed_at == observed_at,
        )
    )
    values = {
        "water_pct": reading.water_pct,
        "soil_temp_c": reading.soil_temp_c,
        "ec_us_cm": reading.ec_us_cm,
        "battery_v": reading.battery_v,
        "payload_variant": reading.payload_variant,
        "reason_codes": [r.code for r in reading.reasons],
    }
    if existing is not None:
        if existing.values_json != values:
            raise Conflict(
                f"Uplink von {device_id} um {observed_at.isoformat(timespec='seconds')} wurde "
                "schon mit anderen Werten gespeichert"
            )
        return IngestResult(existing, created=False)
    device = session.scalar(select(SensorDevice).where(SensorDevice.device_id == full_id))
    reasons = "; ".join(r.text_de for r in reading.reasons)
    observation = Observation(
        kind="sensor",
        site_id=device.site_id if device is not None else None,
        station_id=device_id,
        observed_at=observed_at,
        values_json=values,
        source=SOURCE,
        rejected=not reading.accepted,
        reject_reason=reasons[:200] or None,
    )
    session.add(observation)
    session.flush()
    return IngestResult(observation, created=True)


def observation_dict(observation: Observation) -> dict[str, Any]:
    """An observation as the webhook answers it."""
    return {
        "id": observation.id,
        "device_id": observation.station_id,
        "site_id": observation.site_id,
        "observed_at": observation.observed_at.isoformat(timespec="seconds"),
        "status": "rejected" if observation.rejected else "accepted",
        "reason": observation.reject_reason,
        "values": observation.values_json,
    }
