"""党纪处分 pages: the service's date rules at their boundaries (today, the day joined, start = end, overlapping
留党察看), ending a 处分, the access matrix of every view, bad input (400, nothing saved), the list's filters and
query count, the member's history, and a 留党察看 recorded through the page refusing its member as introducer at
admission step 9."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.access.models import Role
from apps.audit.models import AuditEvent
from apps.membership import discipline_services as services
from apps.membership import history
from apps.membership.admission_models import DisciplineRecord
from tests.factories import make_member, make_user

from .adm_helpers import advance, new_applicant, record, step_data

ROLES = ["district_admin", "town_a_admin", "town_b_admin", "secretary_a", "secretary_b", "member_a", "auditor",
         "sysadmin"]
BODY = {"reason": "违反组织纪律", "approved_by_name": "中共甲镇纪律检查委员会", "document_number": "甲纪〔2025〕3号"}


@pytest.fixture
def users(tree):
    return {**tree.users, "town_b_admin": make_user("town_b_admin", Role.ORG_ADMIN, tree.town_b)}


def _today():
    return timezone.localdate()


def _register(tree, *, kind="probation", starts_on=date(2025, 1, 10), ends_on=None, member=None, **kw):
    return services.discipline_record_register(actor=tree.users["town_a_admin"], member=member or tree.member_a,
                                               kind=kind, starts_on=starts_on, ends_on=ends_on, **{**BODY, **kw})


def _errors(call):
    with pytest.raises(ValidationError) as exc:
        call()
    return exc.value.message_dict if hasattr(exc.value, "error_dict") else {"__all__": exc.value.messages}


# ---- the service ----

def test_register_records_and_audits_in_one_go(tree):
    row = _register(tree)
    assert (row.kind, row.starts_on, row.ends_on, row.document_number) == ("probation", date(2025, 1, 10), None,
                                                                           "甲纪〔2025〕3号")
    event = AuditEvent.objects.get(object_type__icontains="disciplinerecord", object_id=str(row.pk))
    assert event.action == "create" and event.actor_name == "town_a_admin" and event.after["document_number"]


def test_the_old_create_is_reexported(tree):
    from apps.membership import admission_services

    assert services.discipline_record_create is admission_services.discipline_record_create


@pytest.mark.parametrize(("offset", "ok"), [(-1, True), (0, True), (1, False)])
def test_start_not_in_the_future(tree, offset, ok):
    call = lambda: _register(tree, kind="warning", starts_on=_today() + timedelta(days=offset))  # noqa: E731
    if ok:
        assert call().pk
    else:
        assert "不能晚于今天" in _errors(call)["starts_on"][0]


@pytest.mark.parametrize(("offset", "ok"), [(-1, True), (0, True), (1, False)])
def test_end_not_in_the_future(tree, offset, ok):
    call = lambda: _register(tree, kind="warning", starts_on=_today() - timedelta(days=5),  # noqa: E731
                             ends_on=_today() + timedelta(days=offset))
    if ok:
        assert call().pk
    else:
        assert "不能晚于今天" in _errors(call)["ends_on"][0]


@pytest.mark.parametrize(("ends_on", "ok"), [(date(2025, 1, 9), False), (date(2025, 1, 10), True),
                                             (date(2025, 1, 11), True)])
def test_end_not_before_start(tree, ends_on, ok):
    call = lambda: _register(tree, kind="warning", ends_on=ends_on)  # noqa: E731
    if ok:
        assert call().ends_on == ends_on
    else:
        assert "不能早于起始日期" in _errors(call)["ends_on"][0]


@pytest.mark.parametrize(("starts_on", "ok"), [(date(2008, 6, 30), False), (date(2008, 7, 1), True)])
def test_start_not_before_joining(tree, starts_on, ok):
    assert tree.member_a.joined_on == date(2008, 7, 1)
    call = lambda: _register(tree, kind="warning", starts_on=starts_on)  # noqa: E731
    if ok:
        assert call().pk
    else:
        assert "入党日期" in _errors(call)["starts_on"][0]


def test_required_fields_and_kind(tree):
    errors = _errors(lambda: _register(tree, kind="bogus", reason=" ", approved_by_name="", document_number=""))
    assert set(errors) == {"kind", "reason", "approved_by_name", "document_number"}
    assert DisciplineRecord.objects.count() == 0


@pytest.mark.parametrize(("starts_on", "ok"), [(date(2025, 3, 31), False), (date(2025, 4, 1), True)])
def test_probations_may_not_overlap(tree, starts_on, ok):
    _register(tree, starts_on=date(2025, 1, 10), ends_on=date(2025, 3, 31))  # in force through 3-31
    call = lambda: _register(tree, starts_on=starts_on)  # noqa: E731
    if ok:
        assert call().pk
    else:
        assert "期间不能重叠" in _errors(call)["starts_on"][0]


def test_overlap_with_an_open_probation_and_before_it(tree):
    _register(tree, starts_on=date(2025, 3, 1))  # open: in force until ended
    assert "至今" in _errors(lambda: _register(tree, starts_on=date(2025, 6, 1)))["starts_on"][0]
    # ending the day before the open one starts: fine; on its first day: overlapping
    assert _register(tree, starts_on=date(2025, 1, 1), ends_on=date(2025, 2, 28)).pk
    assert _errors(lambda: _register(tree, starts_on=date(2024, 12, 1), ends_on=date(2025, 3, 1)))
    # other kinds, and other members, never overlap a 留党察看
    assert _register(tree, kind="serious_warning", starts_on=date(2025, 6, 1)).pk
    assert _register(tree, member=tree.member_b, starts_on=date(2025, 6, 1)).pk


@pytest.mark.parametrize(("ends_on", "ok"), [(date(2025, 1, 9), False), (date(2025, 1, 10), True)])
def test_end_a_record(tree, ends_on, ok):
    row = _register(tree)
    call = lambda: services.discipline_record_end(actor=tree.users["town_a_admin"], record=row,  # noqa: E731
                                                  ends_on=ends_on)
    if not ok:
        assert "不能早于起始日期" in _errors(call)["ends_on"][0]
        assert DisciplineRecord.objects.get(pk=row.pk).ends_on is None
        return
    assert call().ends_on == ends_on
    assert AuditEvent.objects.filter(object_id=str(row.pk), action="update").count() == 1
    assert "已于2025-01-10结束" in _errors(call)["__all__"][0]
    tomorrow = _register(tree, kind="warning")
    assert _errors(lambda: services.discipline_record_end(actor=tree.users["town_a_admin"], record=tomorrow,
                                                          ends_on=_today() + timedelta(days=1)))["ends_on"]


# ---- the pages ----

def _post(**kw):
    data = {"kind": "probation", "starts_on": "2025-01-10", "ends_on": "", **BODY}
    data.update(kw)
    return data


@pytest.mark.parametrize(("role", "expected"), [
    ("district_admin", 200), ("town_a_admin", 200), ("town_b_admin", 404), ("secretary_a", 200),
    ("secretary_b", 404), ("member_a", 404), ("auditor", 404), ("sysadmin", 404)])
def test_detail_matrix(tree, users, login, role, expected):
    row = _register(tree)
    assert login(users[role]).get(reverse("membership:discipline", args=[row.pk])).status_code == expected


@pytest.mark.parametrize(("role", "expected"), [
    ("district_admin", 200), ("town_a_admin", 200), ("town_b_admin", 404), ("secretary_a", 403),
    ("secretary_b", 403), ("member_a", 403), ("auditor", 403), ("sysadmin", 403)])
def test_create_matrix(tree, users, login, role, expected):
    url = reverse("membership:discipline_create") + f"?member={tree.member_a.pk}"
    client = login(users[role])
    assert client.get(url).status_code == expected
    response = client.post(url, _post())
    assert response.status_code == (302 if expected == 200 else expected)
    assert DisciplineRecord.objects.count() == (1 if expected == 200 else 0)


@pytest.mark.parametrize(("role", "expected"), [
    ("district_admin", 302), ("town_a_admin", 302), ("town_b_admin", 404), ("secretary_a", 403),
    ("secretary_b", 404), ("member_a", 404), ("auditor", 404), ("sysadmin", 404)])
def test_end_matrix(tree, users, login, role, expected):
    row = _register(tree)
    response = login(users[role]).post(reverse("membership:discipline_end", args=[row.pk]),
                                       {"ends_on": "2025-02-01"})
    assert response.status_code == expected
    assert (DisciplineRecord.objects.get(pk=row.pk).ends_on is not None) == (expected == 302)


@pytest.mark.parametrize(("role", "expected", "count"), [
    ("district_admin", 200, 2), ("town_a_admin", 200, 1), ("town_b_admin", 200, 1), ("secretary_a", 200, 1),
    ("secretary_b", 200, 1), ("member_a", 403, 0), ("auditor", 403, 0), ("sysadmin", 403, 0)])
def test_list_matrix_and_scope(tree, users, login, role, expected, count):
    _register(tree)
    _register(tree, member=tree.member_b, kind="warning")
    response = login(users[role]).get(reverse("membership:disciplines"))
    assert response.status_code == expected
    if expected == 200:
        assert len(response.context["page"].object_list) == count


def test_out_of_scope_or_bad_member_is_404(tree, login):
    client = login(tree.users["town_a_admin"])
    for member in (tree.member_b.pk, "x", "", "99999999999999999999"):
        assert client.get(reverse("membership:discipline_create") + f"?member={member}").status_code == 404


@pytest.mark.parametrize("bad", [
    {"starts_on": "2025-02-30"}, {"starts_on": ""}, {"kind": "expulsion"}, {"document_number": ""},
    {"starts_on": "2025-01-10", "ends_on": "2025-01-09"}, {"reason": "违纪\x00"}, {"approved_by_name": "机" * 121},
    {"starts_on": "9999-12-31"}, {"starts_on": "10000-01-01"}])
def test_bad_input_is_400_and_saves_nothing(tree, login, bad):
    client = login(tree.users["town_a_admin"])
    url = reverse("membership:discipline_create") + f"?member={tree.member_a.pk}"
    response = client.post(url, _post(**bad))
    assert response.status_code == 400
    # the form's errors, or (a NUL byte) the input guard's Chinese message before the view
    assert response.context.get("form") is not None and response.context["form"].errors or \
        "不允许的字符" in response.content.decode()
    assert DisciplineRecord.objects.count() == 0
    assert not AuditEvent.objects.filter(object_type__icontains="disciplinerecord").exists()


def test_overlap_through_the_page_is_400_in_chinese(tree, login):
    _register(tree)
    client = login(tree.users["town_a_admin"])
    response = client.post(reverse("membership:discipline_create") + f"?member={tree.member_a.pk}",
                           _post(starts_on="2025-05-01"))
    assert response.status_code == 400 and "期间不能重叠" in response.content.decode()
    assert DisciplineRecord.objects.count() == 1


def test_end_bad_input_is_400(tree, login):
    row = _register(tree)
    client = login(tree.users["town_a_admin"])
    for bad in ("", "2025-01-09", "not-a-date"):
        assert client.post(reverse("membership:discipline_end", args=[row.pk]), {"ends_on": bad}).status_code == 400
    assert DisciplineRecord.objects.get(pk=row.pk).ends_on is None
    page = client.get(reverse("membership:discipline", args=[row.pk])).content.decode()
    assert "登记结束" in page and "甲纪〔2025〕3号" in page


def test_list_filters_and_query_count(tree, login, django_assert_max_num_queries):
    _register(tree, starts_on=date(2025, 1, 10), ends_on=date(2025, 2, 1))
    _register(tree, kind="warning", starts_on=date(2025, 3, 1))
    client = login(tree.users["district_admin"])
    url = reverse("membership:disciplines")

    def names(query):
        return [(r.kind, r.ends_on is None) for r in client.get(url + query).context["page"].object_list]

    assert names("?kind=probation") == [("probation", False)]
    assert names("?in_force=yes") == [("warning", True)]
    assert names("?in_force=no") == [("probation", False)]
    assert len(names("?kind=bogus&in_force=bogus&page=x")) == 2
    client.get(url)
    with django_assert_max_num_queries(12) as ctx:
        client.get(url)
    base = len(ctx.captured_queries)
    for i in range(5):
        _register(tree, kind="warning", member=make_member(tree.branch_a, f"党员{i}"), starts_on=date(2025, 4, 1))
    with django_assert_max_num_queries(base):
        page = client.get(url)
    assert len(page.context["page"].object_list) == 7
    assert 'data-testid="status-tabs"' in page.content.decode()
    assert reverse("membership:disciplines") in client.get(reverse("membership:status_changes")).content.decode()


# ---- reachable from the member's page, in the history ----

@pytest.mark.parametrize(("role", "shown"), [("district_admin", True), ("town_a_admin", True),
                                             ("secretary_a", False)])
def test_button_on_the_member_page(tree, login, role, shown):
    page = login(tree.users[role]).get(reverse("members:detail", args=[tree.member_a.pk])).content.decode()
    assert ('data-testid="discipline-button"' in page) == shown


def test_history_events_with_details_only_where_readable(tree):
    row = _register(tree, starts_on=date(2025, 1, 10))
    services.discipline_record_end(actor=tree.users["town_a_admin"], record=row, ends_on=date(2025, 6, 30))
    events = {e.kind: e for e in history.member_history(tree.member_a, tree.users["secretary_a"])}
    start, end = events["discipline"], events["discipline_end"]
    assert (start.on, end.on) == (date(2025, 1, 10), date(2025, 6, 30))
    assert "留党察看" in start.title and "甲纪〔2025〕3号" in start.detail and "违反组织纪律" in start.detail
    assert start.link == reverse("membership:discipline", args=[row.pk])
    own = {e.kind: e for e in history.member_history(tree.member_a, tree.users["member_a"])}
    assert own["discipline"].on == date(2025, 1, 10) and own["discipline"].detail == "" and own["discipline"].link == ""


def test_probation_recorded_on_the_page_refuses_the_introducer(adm_world, login):
    tree = adm_world["tree"]
    second = adm_world["introducers"][1]
    applicant = advance(new_applicant(tree), adm_world, 8)
    client = login(tree.users["town_a_admin"])
    response = client.post(reverse("membership:discipline_create") + f"?member={second.pk}",
                           _post(starts_on="2024-02-10"))
    assert response.status_code == 302
    with pytest.raises(ValidationError) as exc:
        record(applicant, 9, adm_world)
    assert "留党察看" in " ".join(exc.value.messages)
    applicant.refresh_from_db()
    assert applicant.next_step == 9
    # ended the day before step 9: the introducer is accepted
    row = DisciplineRecord.objects.get(member=second)
    assert client.post(reverse("membership:discipline_end", args=[row.pk]), {"ends_on": "2024-02-16"}) \
        .status_code == 302
    assert record(applicant, 9, adm_world, **{"done_on": step_data(9, adm_world)["done_on"]})
