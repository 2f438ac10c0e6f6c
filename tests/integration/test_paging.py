import pytest

from apps.core.paging import KeysFirstPaginator
from apps.members.models import Member
from tests.factories import make_member


@pytest.mark.django_db
def test_keys_first_pages_match_offset_pages(tree):
    for i in range(23):
        make_member(tree.branch_a, f"成员{chr(0x4e00 + i * 7)}", seq=300 + i)
    qs = Member.objects.select_related("organization").order_by("name_pinyin", "id")
    paginator = KeysFirstPaginator(qs, 5)
    seen = []
    for number in paginator.page_range:
        page = paginator.page(number)
        assert [m.pk for m in page] == [m.pk for m in qs[(number - 1) * 5:number * 5]]
        seen += [m.pk for m in page]
    assert seen == list(qs.values_list("pk", flat=True))
    assert paginator.get_page("999").number == paginator.num_pages
