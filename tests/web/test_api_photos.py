"""Report photos: bombs refused from the header, EXIF rotation kept, planners see them (#14).

Real app factory, real SQLite, real Pillow images, the crew sample (tests/crew_sample.py).
"""

from __future__ import annotations

import io
import struct
import uuid
import zlib

import pytest
from crew_sample import build_crew_sample, login_planner
from PIL import Image
from sqlalchemy import select

from greentour.store.models import Completion
from greentour.store.tenancy import tenant_session


@pytest.fixture
def sample(engine):
    return build_crew_sample(engine)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(edge_px: int = 6300) -> bytes:
    """A real, complete grey PNG of edge × edge px that packs into about 40 KB."""
    packer = zlib.compressobj(9)
    row = b"\x00" + b"\x00" * edge_px
    idat = b"".join(packer.compress(row) for _ in range(edge_px)) + packer.flush()
    header = struct.pack(">IIBBBBB", edge_px, edge_px, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat)
            + _chunk(b"IEND", b""))


def jpeg(width_px: int, height_px: int, orientation: int | None = None) -> bytes:
    """A JPEG whose left half is red and right half blue, with an EXIF orientation if given."""
    image = Image.new("RGB", (width_px, height_px), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, width_px // 2, height_px))
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), quality=95)
    return out.getvalue()


def report_with_photo(client, sample, photo: bytes, key: str = "a1") -> tuple[str, object]:
    headers = bearer(sample.tokens[key])
    body = {
        "client_uuid": str(uuid.uuid4()),
        "stop_id": sample.stop_ids[key][0],
        "plan_version": 1,
        "status": "done",
        "device_time": f"{sample.day.isoformat()}T08:55:00+02:00",
    }
    assert client.post("/api/v1/reports", json=body, headers=headers).status_code == 201
    answer = client.post(
        f"/api/v1/reports/{body['client_uuid']}/photo",
        data={"photo": (io.BytesIO(photo), "bild", "application/octet-stream")},
        headers=headers,
        content_type="multipart/form-data",
    )
    return body["client_uuid"], answer


def stored_image(app, engine, sample) -> Image.Image:
    with tenant_session(engine, sample.tenant_ids["lauf"]) as session:
        path = session.scalar(select(Completion)).photo_path
    return Image.open(app.extensions["greentour_settings"].instance_dir / path)


def test_png_decoding_bomb_is_refused_from_its_header(client, engine, sample):
    """A 6300 × 6300 px PNG of a few KB (passed the old 40 Mpx cap) is refused 413, not stored."""
    bomb = png_bomb()
    assert len(bomb) < 200 * 1024
    _uuid, answer = report_with_photo(client, sample, bomb)
    assert answer.status_code == 413
    assert "6300 × 6300 px" in answer.get_json()["message"]
    with tenant_session(engine, sample.tenant_ids["lauf"]) as session:
        assert session.scalar(select(Completion)).photo_path is None


def test_png_whose_header_claims_ten_billion_pixels_is_413(client, sample):
    """A PNG header of 100,000 × 100,000 px (Pillow's own bomb guard trips) is 413, not 415."""
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    claim = (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
             + _chunk(b"IDAT", zlib.compress(b"\0" * 100)) + _chunk(b"IEND", b""))
    _uuid, answer = report_with_photo(client, sample, claim)
    assert answer.status_code == 413
    assert "zu viele Bildpunkte" in answer.get_json()["message"]


def test_small_png_that_expands_a_thousandfold_is_refused(client, sample):
    """A 2500 × 2500 px PNG (under the pixel cap) of a few KB expands too much: 413."""
    _uuid, answer = report_with_photo(client, sample, png_bomb(2500))
    assert answer.status_code == 413
    assert "entpackt" in answer.get_json()["message"]


def test_large_camera_jpeg_is_accepted_and_scaled(app, client, engine, sample):
    """An 8000 × 3000 px JPEG (24 Mpx) is decoded scaled down and stored at 2048 px."""
    _uuid, answer = report_with_photo(client, sample, jpeg(8000, 3000))
    assert answer.status_code == 201, answer.get_json()
    with stored_image(app, engine, sample) as image:
        assert max(image.size) == 2048


def test_photo_is_turned_upright_by_its_exif_orientation(app, client, engine, sample):
    """Orientation 6 (camera held upright): stored 40 × 80 px, red on top, and without EXIF."""
    _uuid, answer = report_with_photo(client, sample, jpeg(80, 40, orientation=6))
    assert answer.status_code == 201
    with stored_image(app, engine, sample) as image:
        assert image.size == (40, 80)
        assert len(image.getexif()) == 0
        red, _green, blue = image.convert("RGB").getpixel((20, 10))
        assert red > 200 and blue < 60


def test_planner_sees_the_photo_and_a_thumbnail_of_the_own_town_only(client, engine, sample):
    """Planners get the photo and a ≤ 320 px thumbnail; other town 404, anonymous 401."""
    client_uuid, answer = report_with_photo(client, sample, jpeg(1600, 1000))
    assert answer.status_code == 201
    url = f"/api/v1/reports/{client_uuid}/photo"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=bearer(sample.tokens["a1"])).status_code == 401

    other = client.application.test_client()
    login_planner(other, engine, sample.tenant_ids["hersbruck"], "hersbruck")
    assert other.get(url).status_code == 404

    login_planner(client, engine, sample.tenant_ids["lauf"])
    full = client.get(url)
    assert full.status_code == 200 and full.mimetype == "image/jpeg"
    assert full.headers["X-Content-Type-Options"] == "nosniff"
    with Image.open(io.BytesIO(full.get_data())) as image:
        assert image.size == (1600, 1000)
    thumb = client.get(f"{url}?size=thumb")
    assert thumb.status_code == 200
    with Image.open(io.BytesIO(thumb.get_data())) as image:
        assert image.size == (320, 200)
    assert client.get(f"{url}?size=huge").status_code == 422
    no_photo = client.get(f"/api/v1/reports/{uuid.uuid4()}/photo")
    assert no_photo.status_code == 404


def test_the_crew_api_route_is_the_only_photo_route_and_viewers_may_look(client, engine, sample):
    """The live day links the crew API's photo route; the read-only role sees the photo too,
    may not list reports, and the former planner-only route is gone (404)."""
    client_uuid, answer = report_with_photo(client, sample, jpeg(640, 480))
    assert answer.status_code == 201
    with tenant_session(engine, sample.tenant_ids["lauf"]) as session:
        completion_id = session.scalar(
            select(Completion.id).where(Completion.client_uuid == client_uuid))
    login_planner(client, engine, sample.tenant_ids["lauf"], "nurlesen", role="viewer")
    thumb = client.get(f"/api/v1/reports/{client_uuid}/photo?size=thumb")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg", thumb.get_data()
    with Image.open(io.BytesIO(thumb.get_data())) as image:
        assert image.size == (320, 240)
    assert client.get("/api/v1/reports?date=2026-06-15").status_code == 403
    assert client.get(f"/planner/photos/{completion_id}").status_code == 404
    assert client.get(f"/planner/photos/{completion_id}?thumb=1").status_code == 404
