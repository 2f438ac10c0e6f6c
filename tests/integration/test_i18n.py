"""The UI is Chinese by default and English only when the user chooses it; the catalogue is complete."""

import ast
import re
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from apps.core.idcard import make_id_number
from apps.orgs.models import OrgKind

PO_FILE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")


def _choose(client, language, next_url="/accounts/login/"):
    response = client.post("/i18n/setlang/", {"language": language, "next": next_url})
    assert response.status_code == 302 and response["Location"] == next_url
    return response


@pytest.mark.django_db
def test_chinese_by_default_whatever_the_browser_asks(client):
    for accept in ("en", "en-US,en;q=0.9", "de"):
        response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=accept)
        html = response.content.decode()
        assert 'lang="zh-hans"' in html and "用户名" in html and "Username" not in html
        assert response["Content-Language"] == "zh-hans"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"  # not one of settings.LANGUAGES
    assert 'lang="zh-hans"' in client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


@pytest.mark.django_db
def test_login_page_offers_the_switch(client):
    html = client.get("/accounts/login/?next=/members/").content.decode()
    assert 'action="/i18n/setlang/"' in html and 'value="en"' in html and ">English<" in html and ">中文<" in html
    assert 'name="next" value="/accounts/login/?next=/members/"' in html


@pytest.mark.django_db
def test_english_once_chosen(client, tree):
    _choose(client, "en")
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    login_page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert 'lang="en"' in login_page and "Username" in login_page and "Log in" in login_page
    assert "用户名" not in login_page

    client.force_login(tree.users["district_admin"])
    members = client.get("/members/").content.decode()
    assert 'lang="en"' in members and "Member registry" in members and "Full member" in members
    assert "张三" in members  # data stays as entered

    # A model choice label.
    assert "Party Branch" in client.get(f"/orgs/{tree.branch_a.pk}/").content.decode()
    with translation.override("en"):
        assert str(OrgKind.BRANCH.label) == "Party Branch"
    assert str(OrgKind.BRANCH.label) == "党支部"

    # A validation error raised by a service (GB 11643 check digit) and Django's own form errors.
    number = make_id_number("500102", date(1988, 8, 8), 77)
    data = {"name": "周八", "id_number": number[:-1] + ("0" if number[-1] != "0" else "1"), "organization": tree.branch_a.code,
            "category": "full", "status": "normal", "joined_on": "2010-01-01", "full_member_on": "2011-01-01",
            "ethnicity": "01"}
    response = client.post("/members/new/", data)
    html = response.content.decode()
    assert response.status_code == 400 and "The check digit of the ID number is wrong" in html and "校验位" not in html
    response = client.post("/members/new/", {**data, "name": "", "id_number": number})
    html = response.content.decode()
    assert response.status_code == 400 and "This field is required: fill it in or choose an option before sending." in html

    # Back to Chinese.
    _choose(client, "zh-hans", "/members/")
    html = client.get("/members/").content.decode()
    assert 'lang="zh-hans"' in html and "党员信息库" in html and "Member registry" not in html


@pytest.mark.django_db
def test_navbar_switch_returns_to_the_same_page(client, tree):
    client.force_login(tree.users["district_admin"])
    html = client.get("/members/?q=zs").content.decode()
    assert 'data-testid="language-switch"' in html and 'name="next" value="/members/?q=zs"' in html
    # Error pages do not echo the requested path (the switch returns to the Referer there).
    html = client.get("/orgs/999999/").content.decode()
    assert 'data-testid="language-switch"' in html and 'name="next"' not in html


def _entries():
    """(msgctxt, msgid, msgid_plural, [msgstr…], flags) for every entry of the .po, header excluded."""
    entries, current, key = [], None, None
    for line in PO_FILE.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if current:
                entries.append(current)
            current = None
            continue
        current = current or {"flags": [], "fields": {}}
        if line.startswith("#,"):
            current["flags"] += [f.strip() for f in line[2:].split(",")]
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current["fields"][key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            current["fields"][key] = ast.literal_eval(value)
    result = []
    for e in entries:
        f = e["fields"]
        strings = [f[k] for k in sorted(f) if k.startswith("msgstr")]
        if f["msgid"] == "" and "msgctxt" not in f:
            assert "fuzzy" not in e["flags"]
            continue
        result.append((f.get("msgctxt"), f["msgid"], f.get("msgid_plural"), strings, e["flags"]))
    return result


def test_catalogue_is_complete_and_compiled():
    entries = _entries()
    assert len(entries) > 400
    assert "#, fuzzy" not in PO_FILE.read_text(encoding="utf-8")
    assert MO_FILE.exists()
    placeholder = re.compile(r"\{\w+\}|%\(\w+\)s")
    with translation.override("en"):
        for context, msgid, plural, strings, flags in entries:
            assert "fuzzy" not in flags, msgid
            assert strings and all(s.strip() for s in strings), f"untranslated: {msgid}"
            assert all(sorted(placeholder.findall(s)) == sorted(placeholder.findall(msgid)) for s in strings), msgid
            # The compiled catalogue (.mo) says the same as the .po.
            if plural:
                assert translation.ngettext(msgid, plural, 1) == strings[0]
                assert translation.ngettext(msgid, plural, 2) == strings[1]
            elif context:
                assert translation.pgettext(context, msgid) == strings[0], msgid
            else:
                assert translation.gettext(msgid) == strings[0], msgid


@pytest.mark.django_db
def test_excel_import_keeps_chinese_labels_for_an_english_user(client, tree):
    """The template and the values the import matches stay Chinese; only the messages follow the language."""
    import io

    from openpyxl import Workbook, load_workbook

    from apps.core.models import Job
    from apps.members.excel import COLUMNS
    from apps.members.models import Member

    _choose(client, "en")
    client.force_login(tree.users["town_a_admin"])
    template = load_workbook(io.BytesIO(b"".join(client.get("/members/import/template.xlsx").streaming_content)))
    headers = [c.value for c in template.worksheets[0][1]]
    assert headers[:2] == ["姓名*", "身份证号*"]
    assert '"正式党员,预备党员"' in [dv.formula1 for dv in template.worksheets[0].data_validations.dataValidation]

    def upload(**values):
        wb = Workbook()
        ws = wb.active
        ws.append([h + ("*" if req else "") for h, _, req, _ in COLUMNS])
        ws.append([values.get(h) for h, _, _, _ in COLUMNS])
        buf = io.BytesIO()
        wb.save(buf)
        buf.seek(0)
        buf.name = "members.xlsx"
        response = client.post("/members/import/", {"file": buf})
        assert response.status_code == 302
        return Job.objects.get(pk=response.url.split("/")[2])

    row = {"姓名": "赵一", "身份证号": make_id_number("500102", date(1980, 1, 2), 301), "所在党组织编码": tree.branch_a.code,
           "人员类别": "正式党员", "入党日期": "2005-07-01", "转正日期": "2006-07-01", "民族": "汉族", "困难党员": "否"}
    job = upload(**{**row, "人员类别": "Full member"})
    assert job.status == "rejected"
    assert job.result["message"].startswith("Rows: 1, with errors: 1.")
    assert job.result["errors"][0]["reason"] == "“Full member” is not a valid 人员类别"
    job = upload(**row)
    assert job.status == "succeeded" and job.result["message"] == "Import succeeded: 1 added, 0 updated."
    assert Member.objects.get(name="赵一").category == "full"
