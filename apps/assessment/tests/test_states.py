"""The life of a system (states.py): publish, retire, copy, delete; a system in use is never edited; every change is
on the audit trail."""

from decimal import Decimal as D
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.assessment import selectors, services, states
from apps.assessment.models import GradeBand, Indicator, IndicatorSystem, SystemStatus
from apps.audit.models import AuditEvent

from .conftest import outline

pytestmark = pytest.mark.django_db
IN_USE_REFUSAL = "使用中或已停用的指标体系不能修改，请复制为新版本后修改"


def test_the_table_covers_every_status_and_templates_hold_none():
    assert set(states.STATES) == set(SystemStatus.values)
    for step in states.STEPS.values():
        assert set(step.allowed_from) <= set(SystemStatus.values)
    templates = Path(__file__).resolve().parents[1] / "templates"
    for template in templates.rglob("*.html"):
        text = template.read_text()
        for status in SystemStatus:
            assert f"'{status.value}'" not in text and f'"{status.value}"' not in text, template
            # Labels come from the table (the word 草稿 also names things: 删除草稿, 复制为…草稿).
            assert status == SystemStatus.DRAFT or str(status.label) not in text, template


def test_publish_checks_the_whole_draft(make_system, admin):
    system = make_system(tree=False)
    with pytest.raises(ValidationError) as refused:
        services.system_publish(actor=admin, system=system)
    assert refused.value.messages == ["尚未设置考核指标"]
    services.indicator_create(actor=admin, system=system, data={"name": "基础工作", "max_points": D(90)})
    with pytest.raises(ValidationError) as refused:
        services.system_publish(actor=admin, system=system)
    assert set(refused.value.messages) == {"一级指标分值合计须为100分，当前为90分", "末级指标「基础工作」尚未设置评分方式"}
    system.refresh_from_db()
    assert system.status == SystemStatus.DRAFT and system.published_at is None


def test_publish_then_nothing_changes(make_system, admin):
    system = services.system_publish(actor=admin, system=make_system())
    assert system.status == SystemStatus.IN_USE and system.published_at is not None
    event = AuditEvent.objects.filter(object_type="assessment.indicatorsystem", object_id=str(system.pk)).first()
    assert event.note == "发布使用" and event.after["status"] == "in_use" and event.before["status"] == "draft"
    node = system.indicators.first()
    before = outline(system)
    writes = [
        lambda: services.system_update(actor=admin, system=system, data={"name": "改名"}),
        lambda: services.system_set_bands(actor=admin, system=system, bands=[("合格", D(0), D(100))]),
        lambda: services.indicator_create(actor=admin, system=system, data={"name": "新增", "max_points": D(1), "method": "manual"}),
        lambda: services.indicator_update(actor=admin, indicator=node, data={"max_points": D(1)}),
        lambda: services.indicator_delete(actor=admin, indicator=node),
    ]
    for write in writes:
        with pytest.raises(ValidationError) as refused:
            write()
        assert refused.value.messages == [IN_USE_REFUSAL]
    with pytest.raises(ValidationError) as refused:
        services.system_delete(actor=admin, system=system)
    assert refused.value.messages == ["只有草稿可以删除"]
    with pytest.raises(ValidationError):
        services.system_publish(actor=admin, system=system)
    system.refresh_from_db()
    assert system.name == "党建工作考核指标" and outline(system) == before and system.bands.count() == 4


def test_retire_only_what_is_in_use(make_system, admin):
    draft = make_system()
    with pytest.raises(ValidationError) as refused:
        services.system_retire(actor=admin, system=draft)
    assert refused.value.messages == ["只有使用中的指标体系可以停用"]
    services.system_publish(actor=admin, system=draft)
    retired = services.system_retire(actor=admin, system=draft)
    assert retired.status == SystemStatus.RETIRED and retired.retired_at is not None
    with pytest.raises(ValidationError):
        services.system_retire(actor=admin, system=retired)
    with pytest.raises(ValidationError):
        services.system_update(actor=admin, system=retired, data={"name": "x"})


def test_publishing_a_new_version_retires_the_old_one(make_system, admin):
    first = services.system_publish(actor=admin, system=make_system())
    second = services.system_copy(actor=admin, system=first, year=first.year)
    assert (second.version, second.status, second.copied_from_id) == (2, SystemStatus.DRAFT, first.pk)
    services.system_publish(actor=admin, system=second)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (SystemStatus.RETIRED, SystemStatus.IN_USE)
    assert AuditEvent.objects.filter(object_id=str(first.pk), object_type="assessment.indicatorsystem",
                                     note="第2版发布后停用").exists()


def test_one_version_in_use_per_group_and_year_is_a_constraint(make_system, admin):
    first = services.system_publish(actor=admin, system=make_system())
    other = make_system()
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorSystem.objects.filter(pk=other.pk).update(status=SystemStatus.IN_USE)
    assert other.version == first.version + 1


def test_copy_makes_an_identical_draft_tree(make_system, admin):
    source = make_system(weight_quarter=D(40), weight_year=D(60), note="说明")
    services.indicator_update(actor=admin, indicator=source.indicators.get(name="负面清单"),
                              data={"standard": "发生违纪违法问题的，每起扣1分"})
    services.system_set_bands(actor=admin, system=source, bands=[("优秀", D(90), D(100)), ("合格", D(60), D(90)),
                                                                 ("不合格", D(0), D(60))])
    source = services.system_publish(actor=admin, system=source)
    audits = AuditEvent.objects.count()
    copy = services.system_copy(actor=admin, system=source, year=2027)
    assert (copy.year, copy.version, copy.status, copy.group_id) == (2027, 1, SystemStatus.DRAFT, source.group_id)
    assert outline(copy) == outline(source) and len(outline(copy)) == 11
    assert set(copy.indicators.values_list("pk", flat=True)).isdisjoint(source.indicators.values_list("pk", flat=True))
    assert [w for _p, _l, w in copy.weights()] == [w for _p, _l, w in source.weights()]
    assert (copy.name, copy.note) == (source.name, source.note)
    bands = lambda s: sorted(GradeBand.objects.filter(system=s).values_list("name", "min_score", "max_score"))  # noqa: E731
    assert bands(copy) == bands(source)
    # Parents point into the copy, never back into the source.
    assert not Indicator.objects.filter(system=copy).exclude(parent__isnull=True).exclude(parent__system=copy).exists()
    assert selectors.problems(copy) == []
    # The copy and each copied indicator are on the trail, in the copy's transaction.
    assert AuditEvent.objects.count() == audits + 1 + 11
    assert AuditEvent.objects.filter(object_type="assessment.indicator", action="create", note="随指标体系复制").count() == 11
    # The same year again: the next version.
    again = services.system_copy(actor=admin, system=source, year=source.year)
    assert again.version == 2 and outline(again) == outline(source)
    source.refresh_from_db()
    assert source.status == SystemStatus.IN_USE  # copying never changes the source


def test_copy_refuses_a_year_out_of_range(make_system, admin):
    with pytest.raises(ValidationError):
        services.system_copy(actor=admin, system=make_system(), year=99999)
    assert IndicatorSystem.objects.count() == 1


def test_delete_a_draft_with_its_tree(make_system, admin):
    system = make_system()
    services.system_delete(actor=admin, system=system)
    assert not IndicatorSystem.objects.exists() and not Indicator.objects.exists() and not GradeBand.objects.exists()
    assert AuditEvent.objects.filter(action="delete", object_type="assessment.indicatorsystem").get().note == "（含11项指标）"


def test_deleting_an_indicator_takes_its_subtree_each_audited(make_system, admin):
    system = make_system()
    parent = system.indicators.get(name="群众工作")
    assert services.indicator_delete(actor=admin, indicator=parent) == 3
    assert not system.indicators.filter(name__in=["群众工作", "群众诉求满意率", "超期诉求"]).exists()
    assert AuditEvent.objects.filter(action="delete", object_type="assessment.indicator").count() == 3


def test_every_write_is_audited_with_the_organization(make_system, admin, tree):
    system = make_system()
    events = AuditEvent.objects.filter(object_type__startswith="assessment.")
    # 3 groups, the system, 11 indicators.
    assert events.filter(action="create").count() == 3 + 1 + 11
    assert set(events.values_list("organization_id", flat=True)) == {tree.district.pk}
    services.system_set_bands(actor=admin, system=system, bands=[("合格", D(0), D(100))])
    event = events.filter(note="考核等次").get()
    assert event.before["bands"][0]["name"] == "好" and event.after["bands"] == [
        {"name": "合格", "min_score": "0.00", "max_score": "100.00"}]


def test_versions_are_numbered_per_group_and_year(make_system):
    assert [make_system().version for _ in range(3)] == [1, 2, 3]
    assert make_system(year=2027).version == 1
    assert make_system(group="village").version == 1


def test_moving_an_indicator_renumbers_its_siblings(make_system, admin):
    system = make_system()
    names = lambda: [n.indicator.name for n in selectors.tree(system) if n.depth == 2 and n.number.startswith("1.")]  # noqa: E731
    assert names() == ["组织生活完成率", "主题党日", "党员参会率"]
    services.indicator_move(actor=admin, indicator=system.indicators.get(name="党员参会率"), up=True)
    assert names() == ["组织生活完成率", "党员参会率", "主题党日"]
    with pytest.raises(ValidationError) as refused:
        services.indicator_move(actor=admin, indicator=system.indicators.get(name="组织生活完成率"), up=True)
    assert refused.value.messages == ["已是同级第一项"]
    assert AuditEvent.objects.filter(object_type="assessment.indicator", note="调整顺序").count() == 2
    services.system_publish(actor=admin, system=system)
    with pytest.raises(ValidationError):
        services.indicator_move(actor=admin, indicator=system.indicators.get(name="主题党日"), up=True)
