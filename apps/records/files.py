"""Checks on uploaded photos and attachments: the type by content (not by name), and the size."""

import os
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import FileKind

# Magic numbers of the accepted types; the name's extension must agree with the content.
_SIGNATURES = {
    ".jpg": (b"\xff\xd8\xff", "image/jpeg"), ".jpeg": (b"\xff\xd8\xff", "image/jpeg"),
    ".png": (b"\x89PNG\r\n\x1a\n", "image/png"), ".webp": (b"RIFF", "image/webp"),
    ".pdf": (b"%PDF-", "application/pdf"),
    ".docx": (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".xlsx": (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".pptx": (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ".doc": (b"\xd0\xcf\x11\xe0", "application/msword"), ".xls": (b"\xd0\xcf\x11\xe0", "application/vnd.ms-excel"),
    ".ppt": (b"\xd0\xcf\x11\xe0", "application/vnd.ms-powerpoint"),
}
PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")
ATTACHMENT_EXTENSIONS = tuple(_SIGNATURES)


def check_upload(kind, upload) -> str:
    """The content type of a valid upload; ValidationError (in Chinese) otherwise."""
    if kind not in FileKind.values:
        raise ValidationError({"kind": _("文件类别不正确")})
    ext = os.path.splitext(upload.name or "")[1].lower()
    allowed = PHOTO_EXTENSIONS if kind == FileKind.PHOTO else ATTACHMENT_EXTENSIONS
    if ext not in allowed:
        raise ValidationError({"file": _("不支持的文件类型：只接受 {types}").format(types="、".join(e[1:] for e in allowed))})
    limit_mb = settings.RECORD_PHOTO_MAX_MB if kind == FileKind.PHOTO else settings.RECORD_ATTACHMENT_MAX_MB
    if upload.size > limit_mb * 1024 * 1024:
        raise ValidationError({"file": _("文件过大：不能超过 {mb} MB").format(mb=limit_mb)})
    if upload.size == 0:
        raise ValidationError({"file": _("文件是空的")})
    signature, content_type = _SIGNATURES[ext]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head.startswith(signature) or (ext == ".webp" and head[8:12] != b"WEBP"):
        raise ValidationError({"file": _("文件内容与扩展名不符")})
    if ext in PHOTO_EXTENSIONS:
        _check_image(upload)
    return content_type


def _check_image(upload):
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(upload) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError({"file": _("图片已损坏或无法识别")}) from None
    finally:
        upload.seek(0)


def storage_name(original):
    """A random stored name: the uploader's file name is kept in the row, never in the path."""
    return f"{uuid.uuid4().hex}{os.path.splitext(original)[1].lower()}"
