"""The province bench data set (apps.demo.province): copies of the district that are whole and consistent — every
stored counter and roll-up agrees with the rows it summarises, unique columns stay unique, new rows still get keys —
and the bench's comparison of the two scales (apps.demo.bench_scales)."""

from datetime import date

import pytest
from django.db.models import Max

from apps.access.models import Role, RoleAssignment
from apps.cases import rollups
from apps.cases.models import Case, CaseMonthRollup
from apps.demo.bench import Figure
from apps.demo.bench_scales import compare_scales, figure_key, save_figures
from apps.demo.province import PROVINCE_ADMIN, PROVINCE_AREA_DEPTH, PROVINCE_NAME, build_province, is_province
from apps.demo.seed import seed_demo
from apps.members import counters
from apps.members.models import Member
from apps.orgs.models import Organization, OrgMemberCount
from apps.orgs.selectors import subtree_counts
from apps.orgs.services import org_create
from apps.records import fulfilment_rollups, marks, plan_counts
from apps.records import rollups as record_rollups
from apps.records.models import ActivityRecord, Attendance, Fulfilment, FulfilmentRollup, PlanDayCount
from apps.records.services import rebuild_fulfilment

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow(25)]

DISTRICTS = 3
COPIED = (Organization, Member, ActivityRecord, Attendance, Fulfilment, Case, CaseMonthRollup)


def _copied(model):
    """The rows copied per district; of the case roll-ups the full grain (the others are derived for the province)."""
    return (model.objects.filter(grain=rollups.FULL) if model is CaseMonthRollup else model.objects).count()


def _fulfilment():
    return sorted(Fulfilment.objects.values_list("organization_id", "activity_type_id", "period_start", "records"))


def test_the_province_is_the_district_copied_whole_and_consistent(settings):
    # As `make bench SCALE=province` does: the province's township depth is set before the district is seeded, so
    # the district's case roll-ups are first keyed one level too deep (by village) and must be re-keyed for the copy.
    settings.CASE_ROLLUP_AREA_DEPTH = PROVINCE_AREA_DEPTH
    seed_demo(scale="small", today=date(2026, 11, 20), log=lambda line: None)
    district = {model: _copied(model) for model in COPIED}
    settings.CASE_ROLLUP_AREA_DEPTH = PROVINCE_AREA_DEPTH - 1  # the district's full roll-up rows, keyed by township
    district[CaseMonthRollup] = sum(key[0] == rollups.FULL for key in rollups.expected())
    settings.CASE_ROLLUP_AREA_DEPTH = PROVINCE_AREA_DEPTH
    district_members = subtree_counts(Organization.objects.get(depth=1))["members"]
    assert not is_province()

    build_province(districts=DISTRICTS, log=lambda line: None)

    assert is_province()
    province = Organization.objects.get(depth=1)
    assert province.name == PROVINCE_NAME and province.numchild == DISTRICTS
    assert Organization.objects.filter(depth=2).count() == DISTRICTS
    for model, n in district.items():
        extra = 1 if model is Organization else 0  # the province committee itself
        assert _copied(model) == DISTRICTS * n + extra, model
    # Every stored figure agrees with its rows: member counts and subtree roll-ups, last-attended marks,
    # fulfilment counters, and the case month roll-ups at the province's township depth.
    assert counters.mismatches() == {}
    assert subtree_counts(province)["members"] == DISTRICTS * district_members
    assert OrgMemberCount.objects.get(organization=province).subtree_orgs == Organization.objects.count()
    assert marks.mismatches() == {}
    assert record_rollups.mismatches() == {}
    assert plan_counts.mismatches() == {} and PlanDayCount.objects.filter(organization=province).exists()
    assert fulfilment_rollups.mismatches() == {} and FulfilmentRollup.objects.filter(organization=province).exists()
    before = _fulfilment()
    rebuild_fulfilment()
    assert _fulfilment() == before
    settings.CASE_ROLLUP_AREA_DEPTH = PROVINCE_AREA_DEPTH
    assert rollups.differences() == []
    assert set(CaseMonthRollup.objects.filter(grain__in=rollups.ROOT_GRAINS).values_list("area_id", flat=True)) \
        <= {province.pk, None}
    # Unique columns differ between the copies; paths nest under the province.
    assert Case.objects.values("number").distinct().count() == Case.objects.count()
    assert Member.objects.values("id_hash").distinct().count() == Member.objects.count()
    assert not Organization.objects.exclude(path__startswith="0001").exists()
    assert set(Organization.objects.filter(depth=2).values_list("name", flat=True)) == {
        f"第{d}区中共示范区委员会" for d in range(1, DISTRICTS + 1)}
    # Keys continue after the copies (sequences reset): a new organization gets the next key.
    top = Organization.objects.aggregate(top=Max("pk"))["top"]
    district2 = Organization.objects.get(depth=2, name="第2区中共示范区委员会")
    added = org_create(actor=None, parent=district2, data={"name": "新建党支部", "kind": "temporary_branch", "domain": "organ"})
    assert added.pk > top and added.path.startswith(district2.path)
    assert counters.mismatches() == {}
    # The province's administrator holds the province root.
    assert RoleAssignment.objects.filter(user__username=PROVINCE_ADMIN, role=Role.DISTRICT_ADMIN,
                                         organization=province).exists()


def test_a_province_is_built_only_from_one_fresh_district():
    seed_demo(scale="small", today=date(2026, 11, 20), log=lambda line: None)
    build_province(districts=2, log=lambda line: None)
    with pytest.raises(RuntimeError, match="只能由一个刚生成的演示区构建"):
        build_province(districts=2, log=lambda line: None)


def _figure(label, ms):
    return Figure(label, [ms / 1000] * 3, [ms / 2000] * 3, "1 SQL")


def test_province_figures_are_printed_beside_the_districts(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    assert figure_key("search 姓名 surname “王” (1,234 hits)") == figure_key("search 姓名 surname “李” (56 hits)")
    assert figure_key("page compliance 2026-12") == figure_key("page compliance 2027-01")
    assert compare_scales([], scale="district", vendor="sqlite") == []
    missing = compare_scales([_figure("page /orgs/ (tree)", 10)], scale="province", vendor="sqlite")
    assert "No district figures" in missing[0]

    save_figures([_figure("page /orgs/ (tree)", 10), _figure("search 姓名 surname “王” (900 hits)", 20),
                  _figure("rankings(2026, township), before: case rows", 50)],
                 scale="district", vendor="sqlite", size="1 district")
    lines = compare_scales([_figure("page /orgs/ (tree)", 12), _figure("search 姓名 surname “李” (34,000 hits)", 50),
                            _figure("rankings(2026, township), before: case rows", 1000),
                            _figure("a figure only the province has", 5)], scale="province", vendor="sqlite")
    before = next(line for line in lines if line.startswith("rankings(2026, township), before"))
    assert "20.00×" in before and before.rstrip().endswith("—")  # the replaced path: shown, not judged
    tree = next(line for line in lines if line.startswith("page /orgs/ (tree)"))
    assert "1.20×" in tree and tree.rstrip().endswith("yes")
    search = next(line for line in lines if line.startswith("search 姓名 surname"))
    assert "2.50×" in search and search.rstrip().endswith("NO")
    assert lines[-1].startswith("2 figures judged; 1 within 1.5× of the district, 1 above: search 姓名 surname")
