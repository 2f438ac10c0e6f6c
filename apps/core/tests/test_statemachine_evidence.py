"""The shared state-table machine and the private-file helpers (apps.core.statemachine, apps.core.evidence)."""

from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.core import evidence
from apps.core.statemachine import Machine, State, Step

STATES = {"draft": State("draft", "text-bg-secondary"), "done": State("done", "text-bg-success")}
STEPS = {"finish": Step("完成", ("draft",), "done", "只有草稿可以完成"), "note": Step("备注", ("draft", "done"), None, "")}


@dataclass(frozen=True)
class _Once(Step):
    def permits(self, obj) -> bool:
        return not obj.locked and super().permits(obj)


def test_machine_checks_enters_and_offers():
    state, allows, check, enter, available = Machine(STATES, STEPS).functions()
    obj = SimpleNamespace(status="draft")
    assert state(obj).badge == "text-bg-secondary" and state(obj).label == "draft"
    assert available(obj) == {"finish": True, "note": True}
    enter(obj, "note")
    assert obj.status == "draft"  # a step leading nowhere keeps the status
    enter(obj, "finish")
    assert obj.status == "done" and available(obj) == {"finish": False, "note": True}
    with pytest.raises(ValidationError, match="只有草稿可以完成"):
        check(obj, "finish")


def test_a_step_may_judge_more_than_the_status():
    machine = Machine(STATES, {"finish": _Once("完成", ("draft",), "done", "已锁定")})
    assert not machine.allows("finish", SimpleNamespace(status="draft", locked=True))
    assert machine.allows("finish", SimpleNamespace(status="draft", locked=False))


@pytest.mark.parametrize(("name", "content", "message"), [
    ("a.exe", b"MZ", "不支持的文件类型"),
    ("a.pdf", b"", "文件是空的"),
    ("a.pdf", b"\x89PNG\r\n\x1a\n....", "文件内容与扩展名不符"),
    ("a.pdf", b"%PDF-" + b"0" * (1024 * 1024), "文件过大"),
])
def test_check_upload_refuses(name, content, message):
    with pytest.raises(ValidationError, match=message):
        evidence.check_upload(SimpleUploadedFile(name, content), evidence.EVIDENCE_TYPES, 1)


def test_check_upload_answers_the_content_type():
    upload = SimpleUploadedFile("证明.PDF", b"%PDF-1.4 ...")
    assert evidence.check_upload(upload, evidence.EVIDENCE_TYPES, 1) == "application/pdf"
    assert upload.read(5) == b"%PDF-"  # rewound for the storage


class _Field:
    storage = default_storage
    name = None

    def save(self, name, content, save=False):
        self.name = self.storage.save(name, content)


@pytest.mark.django_db
def test_files_stored_in_a_failed_write_are_deleted(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    kept = SimpleNamespace(file=_Field())
    with evidence.atomic_with_files() as store:
        store(kept, SimpleUploadedFile("留下.pdf", b"%PDF-"))
    gone = SimpleNamespace(file=_Field())
    with pytest.raises(ValidationError), evidence.atomic_with_files() as store:
        store(gone, SimpleUploadedFile("删除.pdf", b"%PDF-"))
        raise ValidationError("refused")
    assert default_storage.exists(kept.file.name) and not default_storage.exists(gone.file.name)
    assert kept.file.name.endswith(".pdf") and "留下" not in kept.file.name  # a random name, never the uploader's
