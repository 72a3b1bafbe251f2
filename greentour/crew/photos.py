"""Report photos: size and type limits, metadata stripped, stored in the instance folder.

The type is judged from the bytes (JPEG, PNG, WebP magic numbers), not from the file name or the
declared content type. Every accepted photo is decoded and written anew with Pillow, which drops
all metadata – above all the EXIF GPS position and the camera owner that tablets write into
photos – after turning it upright by its EXIF orientation, and scales it to at most 2048 px on
the long side. Files live under ``<instance>/photos/<tenant id>/<client uuid>.<ext>``; the
completion keeps the relative path.

Decoding bombs are refused from the header, before any pixel is decoded: at most
:data:`MAX_PIXELS` (JPEG :data:`MAX_JPEG_PIXELS`: it is decoded scaled down by the codec, never at
full size), and a picture above :data:`SMALL_PIXELS` may not expand more than
:data:`MAX_EXPANSION` times its file size (a 154 KB PNG of 6300 × 6300 px would take 119 MB).
At most :data:`PARALLEL_DECODES` photos are decoded at once per process.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from greentour.crew.privacy import PrivacySettings
from greentour.errors import NotFound, PayloadTooLarge, UnsupportedMediaType
from greentour.private_files import write_private_bytes
from greentour.store.models import Completion

MAX_EDGE_PX = 2048
_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
#: Decoding bomb guard: PNG and WebP with more pixels than this are refused from the header.
MAX_PIXELS = 24_000_000
#: JPEGs are decoded at a reduced scale (``Image.draft``), so larger camera pictures are fine.
MAX_JPEG_PIXELS = 64_000_000
#: Above this many pixels the decoded picture may be at most MAX_EXPANSION × the file size.
SMALL_PIXELS = 4_000_000
MAX_EXPANSION = 200
#: Photos decoded at the same time in one process (each needs up to ~100 MB while decoding).
PARALLEL_DECODES = 2
#: Long edge of the thumbnail planners see on the map and board (px).
THUMB_EDGE_PX = 320
_DECODES = threading.BoundedSemaphore(PARALLEL_DECODES)


def sniff_type(head: bytes) -> str | None:
    """The image media type from the first bytes (None: not an accepted image type)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_photo(data: bytes, privacy: PrivacySettings) -> str:
    """Refuse an oversized (413) or non-image (415) upload; return its media type."""
    if len(data) > privacy.photo_max_bytes:
        raise PayloadTooLarge(
            f"Foto zu groß: {len(data) / 1048576:.1f} MB, höchstens "
            f"{privacy.photo_max_bytes / 1048576:.1f} MB"
        )
    if not data:
        raise UnsupportedMediaType("Leere Datei statt Foto")
    media_type = sniff_type(data[:16])
    if media_type is None:
        raise UnsupportedMediaType("Nur Fotos im Format JPEG, PNG oder WebP werden angenommen")
    return media_type


def check_dimensions(width_px: int, height_px: int, fmt: str | None, n_bytes: int) -> None:
    """Refuse a decoding bomb from its header values (413), before any pixel is decoded."""
    pixels = width_px * height_px
    cap = MAX_JPEG_PIXELS if fmt == "JPEG" else MAX_PIXELS
    if pixels > cap:
        raise PayloadTooLarge(
            f"Foto hat zu viele Bildpunkte: {width_px} × {height_px} px, höchstens "
            f"{cap / 1e6:.0f} Mio. Bildpunkte"
        )
    if pixels > SMALL_PIXELS and pixels * 3 > MAX_EXPANSION * max(n_bytes, 1):
        raise PayloadTooLarge(
            f"Foto entpackt sich auf {pixels * 3 / 1048576:.0f} MB aus "
            f"{n_bytes / 1024:.0f} KB Datei – so stark gepackte Bilder werden nicht angenommen"
        )


def clean_photo(data: bytes, max_edge_px: int = MAX_EDGE_PX) -> tuple[bytes, str]:
    """Re-encode upright, without metadata, at most ``max_edge_px``; returns (bytes, extension)."""
    with _DECODES:
        try:
            with Image.open(io.BytesIO(data)) as image:
                fmt = image.format
                if fmt not in _FORMATS:
                    raise UnsupportedMediaType("Nur Fotos im Format JPEG, PNG oder WebP")
                check_dimensions(image.width, image.height, fmt, len(data))
                if fmt == "JPEG":
                    image.draft("RGB", (max_edge_px, max_edge_px))
                image.load()
                clean = ImageOps.exif_transpose(image)
        except Image.DecompressionBombError:
            raise PayloadTooLarge(
                f"Foto hat zu viele Bildpunkte (höchstens {MAX_JPEG_PIXELS / 1e6:.0f} Mio.)"
            ) from None
        except (UnidentifiedImageError, OSError, ValueError) as exc:
            raise UnsupportedMediaType(f"Foto nicht lesbar ({exc.__class__.__name__})") from None
        clean.thumbnail((max_edge_px, max_edge_px))
        if fmt == "JPEG" and clean.mode not in ("RGB", "L"):
            clean = clean.convert("RGB")
        out = io.BytesIO()
        save_args = {"quality": 85} if fmt in ("JPEG", "WEBP") else {}
        clean.save(out, format=fmt, **save_args)
    return out.getvalue(), _FORMATS[fmt][1]


def store_photo(
    completion: Completion, data: bytes, instance_dir: Path, privacy: PrivacySettings
) -> bool:
    """Attach a photo to a completion; returns False when it already had one (idempotent retry).

    Raises 413/415 errors before anything is written.
    """
    check_photo(data, privacy)
    if completion.photo_path is not None:
        return False
    cleaned, ext = clean_photo(data)
    relative = Path("photos") / str(completion.tenant_id) / f"{completion.client_uuid}.{ext}"
    write_private_bytes(instance_dir / relative, cleaned)  # 0600 in 0700 folders
    completion.photo_path = relative.as_posix()
    return True


def delete_photo_file(instance_dir: Path, photo_path: str) -> bool:
    """Remove a stored photo file (retention); True if a file was removed."""
    path = (instance_dir / photo_path).resolve()
    if instance_dir.resolve() not in path.parents:
        return False
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def photo_for_planner(
    session: Session, instance_dir: Path, client_uuid: str, thumbnail: bool = False
) -> tuple[bytes, str]:
    """(bytes, media type) of a report's photo in the session's tenant, or a thumbnail of it.

    The thumbnail is at most :data:`THUMB_EDGE_PX` on its long side. 404 when the report is
    unknown in this tenant, has no photo or the file was removed by the retention.
    """
    record = session.scalar(select(Completion).where(Completion.client_uuid == client_uuid))
    if record is None or record.photo_path is None:
        raise NotFound(f"Zur Meldung {client_uuid} gibt es kein Foto")
    path = (instance_dir / record.photo_path).resolve()
    if instance_dir.resolve() not in path.parents or not path.is_file():
        raise NotFound(f"Das Foto zur Meldung {client_uuid} ist nicht mehr gespeichert")
    data = path.read_bytes()
    media_type = sniff_type(data[:16]) or "application/octet-stream"
    if thumbnail:
        data, _ext = clean_photo(data, THUMB_EDGE_PX)
    return data, media_type
