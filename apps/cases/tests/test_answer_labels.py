"""A category's extra questions are answered with option keys (Open311 keeps them: its clients send and read keys),
but people read the options' names: the case page, its print version and the resident's status page show 自建房,
never `self_built`."""

import pytest

from apps.cases.models import ServiceAttribute

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(cases, submit):
    service = cases.services["housing"]
    ServiceAttribute.objects.create(service=service, code="house_type", description="房屋类型", datatype="singlevaluelist",
                                    values=[{"key": "self_built", "name": "自建房"}, {"key": "flat", "name": "商品房"}])
    ServiceAttribute.objects.create(service=service, code="problems", description="存在问题", datatype="multivaluelist",
                                    values=[{"key": "crack", "name": "墙体开裂"}, {"key": "leak", "name": "屋顶漏水"}])
    ServiceAttribute.objects.create(service=service, code="floors", description="层数", datatype="number")
    case, code = submit("housing", attributes={"house_type": "self_built", "problems": ["crack", "leak"], "floors": "3"})
    assert case.attributes["house_type"] == "self_built"  # stored as the key
    return case, code


def test_answers_are_shown_by_their_names(answered):
    case, _code = answered
    assert case.answers() == [("房屋类型", "自建房"), ("存在问题", "墙体开裂、屋顶漏水"), ("层数", "3")]
    # An option removed from the category since: the stored key is shown rather than nothing.
    attr = case.service.attributes.get(code="house_type")
    attr.values = [{"key": "flat", "name": "商品房"}]
    attr.save()
    assert ("房屋类型", "self_built") in case.answers()


def test_the_case_page_and_its_print_show_labels(answered, cases, client):
    case, _code = answered
    client.force_login(cases.users["district_admin"])
    html = client.get(f"/cases/{case.pk}/").content.decode()  # printed as it is, by the print stylesheet
    answers = html[html.index('data-testid="case-answers"'):]
    answers = answers[:answers.index("</dl>")]
    assert "自建房" in answers and "墙体开裂、屋顶漏水" in answers and "层数" in answers
    assert "self_built" not in html and "crack" not in answers


def test_the_residents_status_page_shows_labels(answered, client):
    case, code = answered
    client.post("/report/track/", {"number": case.number, "code": code})
    html = client.get(f"/report/track/{case.number}/").content.decode()
    assert 'data-testid="public-answers"' in html and "自建房" in html and "墙体开裂、屋顶漏水" in html
    assert "self_built" not in html

