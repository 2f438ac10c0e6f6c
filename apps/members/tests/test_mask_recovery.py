"""A masked 身份证号 must not be rebuildable from what a user without the unmasking right receives.

Everything such users get about one member is gathered — the member page, the list, the API (detail, list and
search), the Excel export, the auditor's trail page and its export — and the numbers consistent with all of it
(shown characters, the shown birth date and sex, a valid GB 11643 check character) are counted: there must be many,
also when the county of registration is taken as known (the organization suggests it), and the full number must
never appear.
"""

import io
import re
from datetime import date
from itertools import product

import pytest
from django.test import Client
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token

from apps.audit.models import AuditEvent
from apps.core.idcard import check_char, make_id_number, mask_id_number
from apps.core.models import Job
from apps.members import services
from apps.members.models import Member

BIRTH = date(1986, 9, 23)
ID_NUMBER = make_id_number("500102", BIRTH, 357)  # odd sequence: male
PHONE = "13645678901"
MASK_SHAPE = re.compile(r"(?<![0-9X*])[0-9X*]{18}(?![0-9X*])")


def _workbook_text(content: bytes) -> str:
    wb = load_workbook(io.BytesIO(content))
    return "\n".join(" ".join("" if v is None else str(v) for v in row) for ws in wb.worksheets for row in ws.iter_rows(values_only=True))


def _export_text(client, query=""):
    response = client.get("/members/export/" + query)
    assert response.status_code == 302
    job = Job.objects.get(pk=response.url.split("/")[2])
    assert job.status == "succeeded", job.result
    return _workbook_text(b"".join(client.get(f"/jobs/{job.pk}/download/").streaming_content))


def consistent_numbers(masked: str, birth: date, sex: str, *, area: str | None = None) -> list[str]:
    """Every valid 身份证号 that shows as `masked` and has this birth date and sex (and this county, if given)."""
    assert len(masked) == 18
    birth_digits = f"{birth:%Y%m%d}"
    choices = []
    for i, ch in enumerate(masked[:17]):
        if ch != "*":
            options = [ch]
        elif area is not None and i < 6:
            options = [area[i]]
        elif 6 <= i < 14:
            options = [birth_digits[i - 6]]
        elif i == 16:
            options = [d for d in "0123456789" if (int(d) % 2 == 1) == (sex == "M")]
        else:
            options = list("0123456789")
        choices.append(options)
    out = []
    for digits in product(*choices):
        first17 = "".join(digits)
        if first17[6:14] != birth_digits or (int(first17[16]) % 2 == 1) != (sex == "M"):
            continue  # a shown character that contradicts the shown birth date or sex
        check = check_char(first17)
        if masked[17] in ("*", check):
            out.append(first17 + check)
    return out


@pytest.fixture
def seen(tree, login):
    """All a non-unmasking org administrator and the auditor receive about one member, as one text."""
    admin = tree.users["district_admin"]
    member = services.member_create(actor=admin, data={
        "organization": tree.branch_a, "name": "赵六一", "id_number": ID_NUMBER, "category": "full", "status": "normal",
        "joined_on": date(2012, 6, 1), "full_member_on": date(2013, 6, 1), "ethnicity": "03", "education": "31",
        "occupation": "worker", "phone": PHONE, "is_hardship": True})
    services.member_update(actor=admin, member=member, data={"status": "flowing", "flow_place": "广东省深圳市",
                                                             "flow_contact": "微信 zl61", "education": "21"})
    # A trail row written before the mask changed still holds the old form (first 6 + last 4): rows are append-only.
    AuditEvent.objects.create(actor=admin, actor_name=admin.username, action="update", object_type="members.member",
                              object_id=str(member.pk), object_repr=member.name, organization_id=tree.branch_a.pk,
                              org_path=tree.branch_a.path, before={"id_number": ID_NUMBER[:6] + "*" * 8 + ID_NUMBER[-4:]},
                              after={"id_number": ID_NUMBER[:6] + "*" * 8 + "0000"})
    texts = {}
    client = login(tree.users["town_a_admin"])  # manages the branch, may not unmask
    texts["page"] = client.get(f"/members/{member.pk}/").content.decode()
    texts["edit"] = client.get(f"/members/{member.pk}/edit/").content.decode()
    texts["list"] = client.get("/members/", {"q": "zly"}).content.decode()
    texts["export"] = _export_text(client, "?q=zly")
    token = Token.objects.create(user=tree.users["town_a_admin"])
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    texts["api"] = api.get(f"/api/members/{member.pk}/").content.decode()
    texts["api_list"] = api.get("/api/members/", {"q": "zly"}).content.decode()
    texts["api_search"] = api.post("/api/members/search/", {"q": ID_NUMBER}, content_type="application/json").content.decode()
    auditor = login(tree.users["auditor"])
    texts["audit"] = auditor.get("/audit/", {"object_type": "members.member"}).content.decode()
    export = auditor.get("/audit/export/")  # an export job (run at once in tests): its file is the job's download
    texts["audit_export"] = _workbook_text(b"".join(auditor.get(f"{export.url}download/").streaming_content))
    assert "赵六一" in texts["api_search"] and "赵六一" in texts["audit"]
    return member, texts


@pytest.mark.django_db
def test_the_full_number_is_never_sent(seen):
    member, texts = seen
    text = "\n".join(texts.values())
    assert ID_NUMBER not in text
    # The phone is masked everywhere but on the member's own page and form, which show it in full to those who
    # manage the member (they call members); lists, exports, the API and the trail mask it.
    assert all(PHONE not in t for source, t in texts.items() if source not in ("page", "edit"))
    assert ID_NUMBER[:6] + "*" * 8 + ID_NUMBER[-4:] not in text  # the old mask, not even from old audit rows
    # What is shown next to the masked number: the birth date and sex (the page is not hiding them).
    assert "1986-09-23" in text and "男" in text and mask_id_number(ID_NUMBER) in text


@pytest.mark.django_db
def test_many_numbers_fit_everything_shown(seen):
    member, texts = seen
    text = "\n".join(texts.values())
    masks = {m for m in MASK_SHAPE.findall(text) if "*" in m}
    assert masks == {mask_id_number(ID_NUMBER)}
    for masked in masks:
        candidates = consistent_numbers(masked, BIRTH, "M")
        assert ID_NUMBER in candidates and len(candidates) >= 100
        # Even taking the county of registration as known (the organization suggests it), hundreds remain.
        candidates = consistent_numbers(masked, BIRTH, "M", area=ID_NUMBER[:6])
        assert ID_NUMBER in candidates and len(candidates) >= 100
    # The mask this replaces determined the number from the same page.
    assert consistent_numbers(ID_NUMBER[:6] + "*" * 8 + ID_NUMBER[-4:], BIRTH, "M") == [ID_NUMBER]
    # Phones: the hidden middle four digits stay open (10 000 numbers).
    masked_phone_sources = [t for source, t in texts.items() if source not in ("page", "edit")]
    assert "136****8901" in texts["list"] + texts["export"] + texts["api"]
    assert all(re.search(r"136\d{4}8901", t) is None for t in masked_phone_sources)


@pytest.mark.django_db
def test_stored_masks_are_migrated_without_decrypting(tree):
    import importlib

    from django.apps import apps

    from tests.migration_editor import MigrationEditor

    remask = importlib.import_module("apps.members.migrations.0004_remask_id_numbers").remask
    old = ID_NUMBER[:6] + "*" * 8 + ID_NUMBER[-4:]
    Member.objects.filter(pk=tree.member_a.pk).update(id_masked=old)
    Member.objects.filter(pk=tree.member_b.pk).update(id_masked="*" * 9)  # a short legacy value stays as it was
    remask(apps, MigrationEditor())
    remask(apps, MigrationEditor())  # and again: nothing changes
    masks = dict(Member.objects.values_list("pk", "id_masked"))
    assert masks[tree.member_a.pk] == mask_id_number(ID_NUMBER) == "500" + "*" * 15
    assert masks[tree.member_b.pk] == "*" * 9
