"""Private files behind a record, a score, a nomination, an inspection result…: one abstract model (`PrivateFile`: the
stored file under a random name, the uploader's name, size and checked content type, who uploaded it and when), the
check of an upload (`check_upload`: the extension among the accepted types, the content's magic number agreeing with
it, not empty, within the size limit) and the write that leaves nothing half-saved (`atomic_with_files`: files saved
in a transaction that fails, a refusal included, are deleted from storage). The files are served only through the
access layer (the owning app's views), never from MEDIA_URL.
"""

import os
import uuid
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

# Magic numbers of the accepted types: extension → (signature, content type); the name's extension must agree.
JPEG, PNG, PDF = (b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"%PDF-", "application/pdf")
_OOXML, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"
SIGNATURES = {
    ".jpg": JPEG, ".jpeg": JPEG, ".png": PNG, ".webp": (b"RIFF", "image/webp"), ".pdf": PDF,
    ".docx": (_OOXML, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".xlsx": (_OOXML, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".pptx": (_OOXML, "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ".doc": (_OLE, "application/msword"), ".xls": (_OLE, "application/vnd.ms-excel"),
    ".ppt": (_OLE, "application/vnd.ms-powerpoint"),
}
# Evidence (scores, nominations, inspections): images, PDF and Office documents.
EVIDENCE_TYPES = (".jpg", ".jpeg", ".png", ".pdf", ".docx", ".xlsx")


def check_upload(upload, types, max_mb, *, field="files") -> str:
    """The content type of a valid upload of one of `types` (extensions of SIGNATURES) within `max_mb`; otherwise
    ValidationError (in Chinese) on `field`."""
    ext = os.path.splitext(upload.name or "")[1].lower()
    if ext not in types:
        raise ValidationError({field: _g("不支持的文件类型：只接受 {types}").format(types="、".join(e[1:] for e in types))})
    if upload.size > max_mb * 1024 * 1024:
        raise ValidationError({field: _g("文件过大：不能超过 {mb} MB").format(mb=max_mb)})
    if upload.size == 0:
        raise ValidationError({field: _g("文件是空的")})
    signature, content_type = SIGNATURES[ext]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head.startswith(signature) or (ext == ".webp" and head[8:12] != b"WEBP"):
        raise ValidationError({field: _g("文件内容与扩展名不符")})
    return content_type


def storage_name(original):
    """A random stored name: the uploader's file name is kept in the row, never in the path."""
    return f"{uuid.uuid4().hex}{os.path.splitext(original)[1].lower()}"


@contextmanager
def atomic_with_files():
    """`transaction.atomic()` yielding `store(item, upload)`, which saves the upload as the item's file (under a
    random name, the row not yet saved); if the block fails, a refusal included, the files it stored are deleted:
    nothing half-saved stays on disk."""
    saved = []

    def store(item, upload):
        item.file.save(storage_name(upload.name), upload, save=False)
        saved.append(item.file)
        return item

    try:
        with transaction.atomic():
            yield store
    except BaseException:
        for stored in saved:
            stored.storage.delete(stored.name)
        raise


def file_field(upload_to):
    return models.FileField(_("文件"), upload_to=upload_to)


class PrivateFile(models.Model):
    """A private file: the concrete model adds its owner (a ForeignKey), `file = file_field("<app>/%Y/%m/")`, its
    Meta and `audit_organization`."""

    file = file_field("private/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小"))
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("uploaded_at",)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name

    @classmethod
    def of(cls, upload, content_type, *, uploaded_by, **owner):
        """An unsaved row for a checked upload (its file still to store: `atomic_with_files`)."""
        return cls(name=upload.name[:200], size=upload.size, content_type=content_type, uploaded_by=uploaded_by,
                   **owner)
