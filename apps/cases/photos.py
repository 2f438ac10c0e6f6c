"""Residents' photos: type by content, size, and privacy. Each photo is decoded and written anew, which drops
whatever else the file carried; its EXIF location (GPS) is removed unless the resident chose to share their
location, in which case it is kept and may give the case its coordinates."""

import io
import os
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from .models import CasePhoto

GPS_IFD = 0x8825
EXTENSIONS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}
FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"), "WEBP": ("image/webp", ".webp")}
MAX_SIDE = 2560  # larger photos are scaled down: a phone's 12-megapixel shot needs no more to show a problem


@dataclass
class CleanPhoto:
    content: bytes
    content_type: str
    extension: str
    location: tuple | None  # (lat, lng) from EXIF, only when the resident shares their location


def clean_photo(upload, *, keep_location=False) -> CleanPhoto:
    from PIL import Image, UnidentifiedImageError

    ext = os.path.splitext(upload.name or "")[1].lower()
    if ext not in EXTENSIONS:
        raise ValidationError(_("不支持的照片类型：只接受 jpg、png、webp"))
    if upload.size == 0:
        raise ValidationError(_("照片文件是空的"))
    if upload.size > settings.CASE_PHOTO_MAX_MB * 1024 * 1024:
        raise ValidationError(_("照片过大：每张不能超过 {mb} MB").format(mb=settings.CASE_PHOTO_MAX_MB))
    upload.seek(0)
    try:
        image = Image.open(upload)
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("照片已损坏或无法识别")) from None
    if image.format != EXTENSIONS[ext]:
        raise ValidationError(_("照片内容与扩展名不符"))
    exif = image.getexif()
    location = _exif_location(exif) if keep_location else None
    if not keep_location:
        exif.pop(GPS_IFD, None)
        image.info.pop("xmp", None)  # XMP may carry the location too
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    content_type, extension = FORMATS[image.format or EXTENSIONS[ext]]
    out = io.BytesIO()
    options = {"exif": exif.tobytes()} if len(exif) else {}
    fmt = EXTENSIONS[ext]
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        options["quality"] = 88
    image.save(out, format=fmt, **options)
    return CleanPhoto(out.getvalue(), content_type, extension, location)


def _exif_location(exif):
    try:
        gps = exif.get_ifd(GPS_IFD)
        lat, lng = _degrees(gps[2], gps.get(1)), _degrees(gps[4], gps.get(3))
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return None
    return Decimal(f"{lat:.6f}"), Decimal(f"{lng:.6f}")


def _degrees(value, ref):
    d, m, s = (float(v) for v in value)
    degrees = d + m / 60 + s / 3600
    return -degrees if ref in ("S", "W", b"S", b"W") else degrees


def serve(item):
    """A stored photo as the response, or 404 when its file is gone (the access check is the caller's)."""
    from django.http import FileResponse, Http404

    try:
        return FileResponse(item.file.open("rb"), content_type=item.content_type)
    except FileNotFoundError:
        raise Http404(_("未找到该照片")) from None


def storage_name(extension):
    """A random stored name: nothing of the resident's file name reaches the path."""
    return f"{uuid.uuid4().hex}{extension}"


def store_photos(case, cleaned_photos, stage, now, written):
    """Save cleaned photos of a case; their stored names go to `written`, for removal if the transaction fails."""
    for photo in cleaned_photos:
        item = CasePhoto(case=case, stage=stage, content_type=photo.content_type, size=len(photo.content), uploaded_at=now)
        item.file.save(storage_name(photo.extension), ContentFile(photo.content), save=False)
        written.append(item.file.name)
        item.save()


def discard_files(names):
    from django.core.files.storage import default_storage

    for name in names:
        default_storage.delete(name)
