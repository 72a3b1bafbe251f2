"""Report photos: size and type limits, metadata stripped, stored in the instance folder.

The type is judged from the bytes (JPEG, PNG, WebP magic numbers), not from the file name or the
declared content type. Every accepted photo is decoded and written anew with Pillow, which drops
all metadata – above all the EXIF GPS position and the camera owner that tablets write into
photos – and scales it to at most 2048 px on the long side. Files live under
``<instance>/photos/<tenant id>/<client uuid>.<ext>``; the completion keeps the relative path.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from greentour.crew.privacy import PrivacySettings
from greentour.errors import PayloadTooLarge, UnsupportedMediaType
from greentour.private_files import write_private_bytes
from greentour.store.models import Completion

MAX_EDGE_PX = 2048
_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
#: Decoding bomb guard: refuse images with more pixels than this.
MAX_PIXELS = 40_000_000


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


def clean_photo(data: bytes) -> tuple[bytes, str]:
    """Re-encode without metadata, at most MAX_EDGE_PX; returns (bytes, file extension)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise UnsupportedMediaType("Foto hat zu viele Bildpunkte")
            fmt = image.format
            if fmt not in _FORMATS:
                raise UnsupportedMediaType("Nur Fotos im Format JPEG, PNG oder WebP")
            image.load()
            clean = image.copy()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise UnsupportedMediaType(f"Foto nicht lesbar ({exc.__class__.__name__})") from None
    clean.thumbnail((MAX_EDGE_PX, MAX_EDGE_PX))
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
