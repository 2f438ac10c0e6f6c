"""Checks on uploaded photos and attachments: the type by content (not by name, apps.core.evidence), the size, and a
photo's image itself."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.core.evidence import SIGNATURES
from apps.core.evidence import check_upload as _check_file

from .models import FileKind

PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")
ATTACHMENT_EXTENSIONS = tuple(SIGNATURES)


def check_upload(kind, upload) -> str:
    """The content type of a valid upload; ValidationError (in Chinese) otherwise."""
    if kind not in FileKind.values:
        raise ValidationError({"kind": _("文件类别不正确")})
    photo = kind == FileKind.PHOTO
    content_type = _check_file(upload, PHOTO_EXTENSIONS if photo else ATTACHMENT_EXTENSIONS,
                               settings.RECORD_PHOTO_MAX_MB if photo else settings.RECORD_ATTACHMENT_MAX_MB, field="file")
    if content_type.startswith("image/"):
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
