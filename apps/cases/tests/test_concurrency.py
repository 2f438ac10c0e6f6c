"""The residents' limits under parallel requests (issue 9): wrong query codes, the public form's one-time challenge,
and the intake limits (per phone a day, open cases per phone, per address an hour, per Open311 application an hour).

Each parallel test fires 30 real requests from threads released together, each with its own client and database
connection; they need PostgreSQL. The one-request-at-a-time rules are also checked on SQLite."""

from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client

from apps.cases import challenge
from apps.cases.configuration.services import open311_client_issue
from apps.cases.models import Case
from tests.parallel import run_parallel

WRONG_CODE = "WRONGCODE"


def report_data(cases, **overrides):
    """The public form as a resident fills it in, with a fresh challenge of its own."""
    token = challenge.new_challenge()
    data = {"service": cases.services["env"].pk, "description": "小区门口垃圾堆了一周没人清运，气味很大",
            "township": cases.tree.town_a.pk, "village": cases.tree.branch_a.pk, "address": "3组12号",
            "contact_name": "杨学伦", "phone": "13912345678", "challenge_token": token,
            "challenge_answer": challenge.peek_answer(token)}
    data.update(overrides)
    return data


def _report(data, address="10.3.0.1"):
    response = Client(REMOTE_ADDR=address).post("/report/", data)
    return response.status_code, response.content.decode() if response.status_code != 302 else ""


def _lookup(number, code, address="10.4.0.1"):
    response = Client(REMOTE_ADDR=address).post("/report/track/", {"number": number, "code": code})
    return response.status_code, response.content.decode() if response.status_code != 302 else ""


@pytest.mark.django_db
class TestRules:
    def test_a_right_code_is_not_counted_as_a_failure(self, cases, submit, settings):
        settings.CASE_LOOKUP_FAILURES_MAX = 2
        case, code = submit()
        assert _lookup(case.number, WRONG_CODE)[0] == 400
        for _ in range(3):
            assert _lookup(case.number, code)[0] == 302
        assert _lookup(case.number, WRONG_CODE)[0] == 400
        assert _lookup(case.number, WRONG_CODE)[0] == 429
        assert _lookup(case.number, code)[0] == 429  # the limit holds for every code until the window moves on
        assert _lookup(case.number, code, address="10.4.0.2")[0] == 302

    def test_a_challenge_is_good_for_one_post(self, cases):
        data = report_data(cases)
        assert _report(data)[0] == 302
        status, html = _report({**data, "phone": "13912345679"})
        assert status == 400 and "该验证题已使用" in html
        assert Case.objects.count() == 1


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel connections need PostgreSQL")


@postgres_only
@pytest.mark.django_db(transaction=True)
class TestParallel:
    def test_thirty_parallel_wrong_codes_let_only_the_limit_be_tried(self, cases, submit, settings):
        settings.CASE_LOOKUP_FAILURES_MAX = 10
        case, code = submit()
        results = run_parallel(30, lambda i: _lookup(case.number, WRONG_CODE))
        assert sum("受理编号或查询码不正确" in html for _status, html in results) == 10
        assert sum(status == 429 for status, _html in results) == 20
        assert _lookup(case.number, code)[0] == 429

    def test_one_challenge_posted_thirty_times_in_parallel_makes_one_case(self, cases, settings, tmp_path):
        # With the deployment's file cache, as in production: a cache `add` there is not atomic.
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                                       "LOCATION": str(tmp_path / "cache")}}
        data = report_data(cases)
        results = run_parallel(30, lambda i: _report({**data, "phone": f"1391234{i:04d}"}, f"10.3.1.{i + 1}"))
        assert sum(status == 302 for status, _html in results) == 1
        assert sum("该验证题已使用" in html for _status, html in results) == 29
        assert Case.objects.count() == 1

    def test_parallel_submissions_get_distinct_numbers(self, cases):
        # Each form and Open311 post takes the day's next number in one upsert; the counter row is held until the
        # submission commits, so numbers never repeat and run on without gaps.
        key = open311_client_issue(actor=None, name="随手拍")[1]
        forms = [report_data(cases, phone=f"1371234{i:04d}") for i in range(12)]

        def submit(i):
            if i % 2:
                return _report(forms[i], f"10.3.6.{i + 1}")[0]
            data = {"api_key": key, "service_code": "env", "address_id": cases.tree.branch_a.code,
                    "description": f"路边垃圾桶满了没人清理（第{i}处）", "phone": f"1361234{i:04d}"}
            return Client(REMOTE_ADDR=f"10.3.7.{i + 1}").post(
                "/open311/v2/requests.json", urlencode(data), content_type="application/x-www-form-urlencoded").status_code

        results = run_parallel(12, submit)
        assert results == [200, 302] * 6
        numbers = sorted(Case.objects.values_list("number", flat=True))
        assert len(set(numbers)) == 12 and [int(n[-5:]) for n in numbers] == list(range(1, 13))
        assert Case.objects.filter(status="dispatched", lead_unit=cases.town_a).count() == 12

    def test_the_daily_limit_per_phone_holds(self, cases, settings):
        settings.CASE_PHONE_DAILY_MAX = 3
        forms = [report_data(cases) for _ in range(30)]
        results = run_parallel(30, lambda i: _report(forms[i], f"10.3.2.{i + 1}"))
        assert sum(status == 302 for status, _html in results) == 3
        assert sum(status == 429 and "24小时内最多提交3件" in html for status, html in results) == 27
        assert Case.objects.count() == 3

    def test_the_open_cases_limit_per_phone_holds(self, cases, settings):
        settings.CASE_OPEN_PER_PHONE_MAX = 2
        forms = [report_data(cases) for _ in range(30)]
        results = run_parallel(30, lambda i: _report(forms[i], f"10.3.3.{i + 1}"))
        assert sum(status == 302 for status, _html in results) == 2
        assert Case.objects.count() == 2

    def test_the_hourly_limit_per_address_holds(self, cases, settings):
        settings.CASE_IP_HOURLY_MAX = 4
        forms = [report_data(cases, phone=f"1381234{i:04d}") for i in range(30)]
        results = run_parallel(30, lambda i: _report(forms[i], "10.3.4.1"))
        assert sum(status == 302 for status, _html in results) == 4
        assert sum(status == 429 and "同一网络地址每小时最多提交4件" in html for status, html in results) == 26
        assert Case.objects.count() == 4

    def test_the_hourly_limit_per_open311_application_holds(self, cases, settings):
        settings.CASE_CLIENT_HOURLY_MAX = 3
        key = open311_client_issue(actor=None, name="随手拍")[1]

        def post(i):
            data = {"api_key": key, "service_code": "env", "lat": "29.562811", "long": "106.551556",
                    "address_string": "甲村村委会门口", "description": f"路边垃圾桶满了没人清理（第{i}处）"}
            response = Client(REMOTE_ADDR=f"10.3.5.{i + 1}").post(
                "/open311/v2/requests.json", urlencode(data), content_type="application/x-www-form-urlencoded")
            return response.status_code, response.content.decode()

        results = run_parallel(30, post)
        assert sum(status == 200 for status, _html in results) == 3
        assert sum(status == 400 and "每小时最多提交3件" in body for status, body in results) == 27
        assert Case.objects.count() == 3
