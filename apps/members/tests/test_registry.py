from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from apps.audit.models import AuditEvent
from apps.core.idcard import make_id_number
from apps.members import services
from apps.members.models import Member
from apps.members.selectors import MemberFilter, search_q
from tests.factories import make_member


def _data(tree, **kw):
    data = {"organization": tree.branch_a, "name": "王小明", "id_number": make_id_number("500102", date(1990, 5, 6), 123),
            "category": "full", "status": "normal", "joined_on": date(2012, 6, 1), "full_member_on": date(2013, 6, 1),
            "ethnicity": "01", "education": "21", "occupation": "worker", "phone": "139 0000 1111"}
    data.update(kw)
    return data


@pytest.mark.django_db
class TestCreate:
    def test_derives_birth_sex_pinyin_and_masks(self, tree):
        m = services.member_create(actor=tree.users["district_admin"], data=_data(tree))
        assert m.birth_date == date(1990, 5, 6) and m.sex == "M"
        assert (m.name_pinyin, m.name_initials) == ("wangxiaoming", "wxm")
        assert m.id_masked == "500" + "*" * 15
        assert m.phone == "13900001111" and m.phone_masked == "139****1111"
        assert m.age(date(2026, 5, 6)) == 36
        assert m.party_standing_years(date(2026, 6, 1)) == 13

    @pytest.mark.parametrize("changes, field, text", [
        ({"id_number": "500102199005061234"}, "id_number", "校验位"),
        ({"joined_on": date(2001, 1, 1)}, "joined_on", "年满18周岁"),
        ({"full_member_on": date(2011, 1, 1)}, "full_member_on", "不能早于入党日期"),
        ({"full_member_on": None}, "full_member_on", "正式党员须填写转正日期"),
        ({"category": "probationary"}, "full_member_on", "预备党员不应填写转正日期"),
        ({"status": "flowing"}, "flow_place", "流动去向"),
        ({"phone": "12345"}, "phone", "手机号格式"),
        ({"name": "  "}, "name", "姓名不能为空"),
        ({"education": "99"}, "education", "标准代码"),
    ])
    def test_invalid_data_is_refused_with_field_messages(self, tree, changes, field, text):
        with pytest.raises(ValidationError) as exc:
            services.member_create(actor=None, data=_data(tree, **changes))
        assert text in " ".join(exc.value.message_dict[field])
        assert not Member.objects.filter(name="王小明").exists()

    def test_declared_birth_date_and_sex_are_cross_checked(self, tree):
        with pytest.raises(ValidationError) as exc:
            services.member_create(actor=None, data=_data(tree, declared_birth_date=date(1990, 5, 7), declared_sex="F"))
        assert set(exc.value.message_dict) >= {"birth_date", "sex"}

    def test_same_id_number_twice_is_refused(self, tree):
        services.member_create(actor=None, data=_data(tree))
        with pytest.raises(ValidationError) as exc:
            services.member_create(actor=None, data=_data(tree, name="另一人"))
        assert "已在系统中登记" in exc.value.message_dict["id_number"][0]

    def test_member_cannot_be_placed_in_a_group_or_dissolved_org(self, tree):
        with pytest.raises(ValidationError):
            services.member_create(actor=None, data=_data(tree, organization=tree.group_a))

    def test_party_group_must_belong_to_the_branch(self, tree):
        with pytest.raises(ValidationError) as exc:
            services.member_create(actor=None, data=_data(tree, organization=tree.branch_b, party_group=tree.group_a))
        assert "party_group" in exc.value.message_dict


@pytest.mark.django_db(transaction=True)
def test_id_and_phone_plaintext_never_reach_the_database(tree, tmp_path):
    data = _data(tree)
    m = services.member_create(actor=tree.users["district_admin"], data=data)
    services.member_update(actor=tree.users["district_admin"], member=m, data={"name": "王晓明"})
    plain_id, plain_phone = m.id_number, "13900001111"
    found = []
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                text = " ".join(str(v) for v in row)
                if plain_id in text or plain_phone in text:
                    found.append(table)
    assert found == []
    # And the stored value really is ciphertext that decrypts back.
    assert Member.objects.get(pk=m.pk).id_number == plain_id
    if connection.vendor == "sqlite":
        # The test database lives in memory: copy it, page by page, into a file and read the bytes.
        import sqlite3

        target = tmp_path / "copy.sqlite3"
        dest = sqlite3.connect(target)
        connection.connection.backup(dest)
        dest.close()
        raw = target.read_bytes()
        assert b"CREATE TABLE" in raw and plain_id.encode() not in raw and plain_phone.encode() not in raw


@pytest.mark.django_db
def test_audit_rows_hold_masked_values_only(tree):
    m = services.member_create(actor=tree.users["district_admin"], data=_data(tree))
    services.member_update(actor=tree.users["district_admin"], member=m, data={"phone": "13711112222"})
    events = AuditEvent.objects.filter(object_type="members.member", object_id=str(m.pk)).order_by("id")
    assert [e.action for e in events] == ["create", "update"]
    create, update = events
    assert create.after["id_number"] == m.id_masked
    assert update.before["phone"] == "139****1111" and update.after["phone"] == "137****2222"
    assert m.id_number not in str(create.after)
    assert update.org_path == tree.branch_a.path and update.actor_name == "district_admin"


@pytest.mark.django_db
def test_update_with_bad_data_changes_nothing(tree):
    before = Member.objects.get(pk=tree.member_a.pk)
    with pytest.raises(ValidationError):
        services.member_update(actor=None, member=tree.member_a, data={"name": "新名字", "joined_on": date(2099, 1, 1)})
    after = Member.objects.get(pk=tree.member_a.pk)
    assert after.name == before.name and after.joined_on == before.joined_on
    assert not AuditEvent.objects.filter(action="update", object_id=str(tree.member_a.pk)).exists()


@pytest.mark.django_db
class TestSearch:
    @pytest.fixture
    def people(self, tree):
        return {
            "zs": tree.member_a,  # 张三
            "zsf": make_member(tree.branch_a, "张三丰", seq=41, phone="13600001234"),
            "ls": tree.member_b,  # 李四
            "wlq": make_member(tree.branch_a, "吕小强", seq=43),
        }

    def _names(self, q):
        return sorted(Member.objects.filter(search_q(q)).values_list("name", flat=True))

    def test_pinyin_initials_and_full(self, people):
        assert self._names("zs") == ["张三", "张三丰"]
        assert self._names("ZS") == ["张三", "张三丰"]
        assert self._names("zhangsan") == ["张三", "张三丰"]
        assert self._names("zhangsanf") == ["张三丰"]
        assert self._names("zsf") == ["张三丰"]
        assert self._names("lvxiaoqiang") == ["吕小强"]

    def test_name_prefix(self, people):
        assert self._names("张三") == ["张三", "张三丰"]
        assert self._names("李") == ["李四"]

    def test_id_number_and_phone_exact(self, people):
        assert self._names(people["ls"].id_number) == ["李四"]
        assert self._names(people["ls"].id_number.lower()) == ["李四"]
        assert self._names("136 0000 1234") == ["张三丰"]
        assert self._names("13600001235") == []

    def test_filters(self, tree, people):
        make_member(tree.branch_a, "年轻人", birth=date(2000, 1, 1), seq=45, category="probationary",
                    joined_on=date(2025, 12, 1))
        make_member(tree.branch_a, "已出党", seq=47, status="left")
        today = date(2026, 11, 22)

        def names(params):
            f = MemberFilter(params, queryset=Member.objects.all(), today=today)
            assert f.form.is_valid(), f.form.errors
            return sorted(f.qs.values_list("name", flat=True))

        assert names({"category": "probationary"}) == ["年轻人"]
        assert "已出党" not in names({})
        assert names({"status": "left"}) == ["已出党"]
        assert "已出党" in names({"status": "all"})
        assert names({"age_max": 30}) == ["年轻人"]
        assert "年轻人" not in names({"age_min": 30})
        assert names({"standing_min": 17}) == sorted(["张三", "张三丰", "李四", "吕小强"])
        assert names({"org": tree.branch_b.pk}) == ["李四"]
        assert names({"org": tree.town_a.pk, "q": "zs"}) == ["张三", "张三丰"]
        assert names({"domain": "village", "sex": "F"}) == sorted(
            m.name for m in Member.objects.current().filter(sex="F"))

    def test_bad_filter_values_are_form_errors(self, tree):
        f = MemberFilter({"age_min": "abc"}, queryset=Member.objects.all())
        assert not f.form.is_valid()
