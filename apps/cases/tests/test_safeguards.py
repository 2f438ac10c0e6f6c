"""The chain's safeguards: no step out of its state, no one approving or rating their own work, merged residents
kept apart, nothing personal searchable or published, and odd input answered without a 500."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from apps.cases import metrics, selectors, services, states
from apps.cases.models import Case, CaseExtension, ExtensionStatus, Status
from apps.core.periods import period_containing

from .test_intake import jpeg
from .test_public import form_data

pytestmark = pytest.mark.django_db


def resolved(cases, submit, **fields):
    case, _ = submit(**fields)
    case.refresh_from_db()
    unit = case.lead_unit
    actor = cases.users["dept_handler"] if unit == cases.dept else cases.users["town_a_admin"]
    services.case_sign(actor=actor, case=case, unit=unit)
    services.case_resolve(actor=actor, case=case, unit=unit, answer="已处理完毕")
    return Case.objects.get(pk=case.pk)


def test_no_return_or_signing_once_resolved(cases, submit, client):
    case = resolved(cases, submit)
    services.case_rate(case=case, rating="unsatisfied", solved=False)
    with pytest.raises(ValidationError, match="已办结的诉求不能退单"):
        services.case_return(actor=cases.users["town_a_admin"], case=case, unit=cases.town_a, reason="推给别人")
    client.force_login(cases.users["town_a_admin"])
    assert client.post(f"/cases/{case.pk}/return/", {"reason": "推给别人"}).status_code == 400
    assert client.post(f"/cases/{case.pk}/sign/").status_code == 400  # nothing to sign: a 400, not a 500
    assert Case.objects.get(pk=case.pk).status == Status.VISITED


def test_a_double_click_on_sign_is_a_400(cases, submit, client):
    case, _ = submit()
    client.force_login(cases.users["town_a_admin"])
    assert client.post(f"/cases/{case.pk}/sign/").status_code == 302
    response = client.post(f"/cases/{case.pk}/sign/")
    assert response.status_code == 400 and "没有待签收的派单" in response.content.decode()


def test_no_one_approves_their_own_extension_or_rates_their_own_work(cases, submit):
    dispatcher = cases.users["dispatcher"]
    from apps.cases.models import RoutingRule

    RoutingRule.objects.filter(service__isnull=True).update(is_active=False)  # 兜底: the district centre handles it
    case, _ = submit()
    case.refresh_from_db()
    assert case.lead_unit == cases.district
    services.case_sign(actor=dispatcher, case=case, unit=cases.district)
    case.refresh_from_db()
    extension = services.case_request_extension(actor=dispatcher, case=case, unit=cases.district,
                                                until=case.deadline + timedelta(days=3), reason="需要协调")
    with pytest.raises(ValidationError, match="不能审批本人提出的延期申请"):
        services.case_decide_extension(actor=dispatcher, extension=extension, approve=True)
    services.case_decide_extension(actor=cases.users["district_admin"], extension=extension, approve=True)
    services.case_resolve(actor=dispatcher, case=case, unit=cases.district, answer="已协调解决")
    with pytest.raises(ValidationError, match="不能为本人办结的诉求记录回访"):
        services.case_rate(case=case, rating="satisfied", solved=True, via="phone", actor=dispatcher)
    services.case_rate(case=case, rating="satisfied", solved=True, via="phone", actor=cases.users["district_admin"])


def test_a_pending_extension_goes_with_the_unit(cases, submit):
    case, _ = submit()
    services.case_sign(actor=cases.users["town_a_admin"], case=case, unit=cases.town_a)
    case.refresh_from_db()
    extension = services.case_request_extension(actor=cases.users["town_a_admin"], case=case, unit=cases.town_a,
                                                until=case.deadline + timedelta(days=3), reason="需要协调")
    services.case_dispatch(actor=cases.users["dispatcher"], case=case, lead=cases.town_b)
    assert CaseExtension.objects.get(pk=extension.pk).status == ExtensionStatus.WITHDRAWN
    with pytest.raises(ValidationError, match="已审批"):
        services.case_decide_extension(actor=cases.users["dispatcher"], extension=extension, approve=True)


def test_reopening_keeps_the_rating_and_the_lateness_counted(cases, submit):
    case, _ = submit()
    services.case_sign(actor=cases.users["town_a_admin"], case=case, unit=cases.town_a)
    case.refresh_from_db()
    services.case_resolve(actor=cases.users["town_a_admin"], case=case, unit=cases.town_a, answer="已处理",
                          now=case.deadline + timedelta(hours=2))
    services.case_rate(case=case, rating="unsatisfied", solved=False, now=case.deadline + timedelta(hours=3))
    later = case.deadline + timedelta(hours=4)
    services.case_reopen(actor=cases.users["dispatcher"], case=case, reason="未解决", now=later)
    services.case_resolve(actor=cases.users["town_a_admin"], case=case, unit=cases.town_a, answer="已彻底解决",
                          now=later + timedelta(hours=1))
    f = metrics.case_figures(period=period_containing("month", timezone.localdate()), units=[cases.town_a])
    assert (f.overdue, f.rated, f.satisfied) == (1, 1, 0)  # late once; the last rating stands until a new one
    assert Case.objects.get(pk=case.pk).is_overdue()


def test_rejecting_or_archiving_leaves_no_merged_submitter_behind(cases, submit):
    first, _ = submit()
    second, _ = submit()
    services.case_merge(actor=cases.users["dispatcher"], case=second, master=first)
    with pytest.raises(ValidationError, match="不能不予受理"):
        services.case_reject(actor=cases.users["dispatcher"], case=first, reason="恶意投诉")
    first = resolved(cases, lambda: (first, None))
    services.case_rate(case=first, rating="satisfied", solved=True)
    first.refresh_from_db()
    assert not states.may_archive(first)  # the merged submitter has not rated yet
    assert states.may_archive(first, now=timezone.now() + timedelta(days=8))
    services.case_rate(case=Case.objects.get(pk=second.pk), rating="basic", solved=True)
    assert states.may_archive(first)


def test_merged_residents_see_the_outcome_not_each_other(cases, client):
    client.post("/report/", form_data(cases, client, description="村口路灯坏了", photos=[jpeg()]))
    other = Client()
    other.post("/report/", form_data(cases, other, description="村口路灯不亮", phone="13800001111"))
    first, second = Case.objects.order_by("id")
    services.case_merge(actor=cases.users["dispatcher"], case=second, master=first)
    services.case_sign(actor=cases.users["town_a_admin"], case=first, unit=cases.town_a)
    services.case_resolve(actor=cases.users["town_a_admin"], case=first, unit=cases.town_a, answer="已更换路灯",
                          photos=[jpeg(name="after.jpg")])
    services.case_rate(case=Case.objects.get(pk=first.pk), rating="satisfied", solved=True, comment="我是5栋302的王秀英")
    intake_photo, result_photo = first.photos.order_by("id")
    assert other.get(f"/report/photos/{intake_photo.pk}/").status_code == 404  # the other resident's own photo
    assert other.get(f"/report/photos/{result_photo.pk}/").status_code == 200
    html = other.get(f"/report/track/{second.number}/").content.decode()
    assert "已更换路灯" in html and "王秀英" not in html
    other.post(f"/report/track/{second.number}/rate/", {"solved": "1", "rating": "basic"})
    html = other.get(f"/report/track/{second.number}/").content.decode()
    assert "已更换路灯" in html and "甲镇已签收" in html  # the handling stays on the page after rating
    # A master the district keeps private keeps its merged submissions private too.
    Case.objects.filter(pk=first.pk).update(is_public=False)
    assert not selectors.public_cases().filter(pk=second.pk).exists()
    assert Client().get(f"/report/cases/{second.number}/").status_code == 404


def test_numbers_are_never_searchable_and_addresses_published_masked(cases, submit, client):
    case, _ = submit(description="我的电话13812345678，门口积水", address="3组12号 张三家 13812345678")
    assert "13812345678" not in case.search_tokens
    assert "积水" in client.get("/report/cases/", {"q": "积水"}).content.decode()
    assert "积水" not in client.get("/report/cases/", {"q": "13812345678"}).content.decode()
    record = client.get(f"/open311/v2/requests/{case.number}.json").json()[0]
    assert "13812345678" not in record["address"] and "138****5678" in record["address"]


def test_odd_input_is_a_4xx_not_a_500(cases, submit, client):
    case, _ = submit(description="Open311 里的\ufffe字符和\x07铃声")
    assert "\ufffe" not in Case.objects.get(pk=case.pk).description
    assert client.get("/open311/v2/requests.xml").status_code == 200
    for url in ["/report/cases/%00/", "/open311/v2/requests/%00.json", "/open311/v2/requests.json?service_code=%00",
                "/cases/?q=%00"]:
        assert client.get(url).status_code == 400, url
    for params in ({"period": "9999-12-01~9999-12-31"}, {"period": "0001-01-01~0001-01-31"}):
        assert client.get("/report/rankings/", params).status_code == 400
    client.force_login(cases.users["district_admin"])
    # Dates outside the accepted years (apps.core.dates.MIN_YEAR..MAX_YEAR) are refused with the reason.
    for params in ({"submitted_to": "9999-12-31"}, {"submitted_from": "0001-01-01"}):
        response = client.get("/cases/", params)
        assert response.status_code == 400 and "日期超出范围" in response.content.decode()
        assert client.get("/api/cases/", params).status_code == 400
    assert client.get("/api/case-metrics/", {"period": "9999-12-01~9999-12-31"}).status_code == 400
    assert client.get("/cases/rankings/export.xlsx", {"period": "9999-12-01~9999-12-31"}).status_code in (200, 400)


def test_department_staff_see_their_figures(cases, submit, client):
    case = resolved(cases, submit, service="housing")
    services.case_rate(case=case, rating="satisfied", solved=True)
    client.force_login(cases.users["dept_handler"])
    html = client.get("/cases/rankings/", {"group": "department"}).content.decode()
    row = re.search(r'data-testid="row-区住建委"[^>]*', html).group(0)
    assert 'data-received="1"' in row
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=cases.users["dept_handler"])
    figures = client.get("/api/case-metrics/", HTTP_AUTHORIZATION=f"Token {token.key}").json()
    assert figures["received"] == 1 and figures["satisfaction_rate"] == 1.0


def test_merge_targets_and_likely_duplicates_stay_in_the_dispatch_scope(cases, submit, client):
    from apps.access.models import Role
    from tests.factories import make_user

    mine, _ = submit()
    theirs, _ = submit(area=cases.tree.branch_b)
    town_dispatcher = make_user("town_dispatcher", Role.CASE_DISPATCHER, cases.tree.town_a)
    client.force_login(town_dispatcher)
    response = client.post(f"/cases/{mine.pk}/merge/", {"master": theirs.number})
    assert response.status_code == 400 and Case.objects.get(pk=mine.pk).status != Status.MERGED
    from apps.cases.selectors import similar_open_cases

    assert theirs not in similar_open_cases(town_dispatcher, mine)
