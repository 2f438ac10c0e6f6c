"""Numbers a resident types into a case, however spaced or written, are masked wherever the case is published and
are never searchable (apps.core.text.mask_numbers / remove_numbers, through apps.cases.publish and search)."""

import pytest
from django.template import Context, Template

from apps.cases import publish

pytestmark = pytest.mark.django_db

FORMS = ["138 0013 8000", "138-0013-8000", "１３８００１３８０００", "+86 138 0013 8000", "138.0013.8000"]
ID_FORMS = ["500102 19850312 0011", "５００１０２１９８５０３１２００１１", "500102-1985-0312-0011"]


@pytest.mark.parametrize("typed", FORMS + ID_FORMS)
def test_public_text_and_the_template_filter_mask_every_form(typed):
    text = f"我的联系方式{typed}，门口积水"
    for shown in (publish.public_text(text), Template("{% load cases %}{{ t|masked }}").render(Context({"t": text}))):
        assert typed not in shown and "0013" not in shown and "19850312" not in shown and "1985-0312" not in shown
        assert "门口积水" in shown


def test_published_pages_and_open311_mask_spaced_numbers(cases, submit, client):
    case, _ = submit(description="请打 138 0013 8000 或 ５００１０２１９８５０３１２００１１ 找我，门口积水",
                     address="3组12号 139-0013-9000")
    pages = [client.get("/report/cases/").content.decode(),
             client.get(f"/report/cases/{case.number}/").content.decode(),
             client.get(f"/open311/v2/requests/{case.number}.json").content.decode()]
    for page in pages:
        assert "0013" not in page and "１９８５０３１２" not in page, page[:200]
    assert "138 **** 8000" in pages[1] and "139-****-9000" in pages[2]


def test_spaced_numbers_are_not_searchable(cases, submit, client):
    case, _ = submit(description="请打 138 0013 8000 找我，门口积水")
    assert "0013" not in case.search_tokens and "8000" not in case.search_tokens.split()
    for q in ("138 0013 8000", "13800138000", "0013 8000"):
        assert "门口积水" not in client.get("/report/cases/", {"q": q}).content.decode(), q
    assert "门口积水" in client.get("/report/cases/", {"q": "积水"}).content.decode()
