"""What belongs to a case (photos, requests to extend, assignments, timeline) is in scope exactly when its case is,
through the one access layer; and a resident's session grant is kept in one place (apps.cases.scopes)."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from apps.access import policy
from apps.cases import scopes, services
from apps.cases.intake import Intake, case_submit
from apps.cases.models import Case, CaseAssignment, CaseEvent, CaseExtension, CasePhoto

from .test_intake import jpeg

pytestmark = pytest.mark.django_db


def _with_photo(cases, area, phone):
    intake = Intake(service=cases.services["env"], description="小区门口垃圾堆积多日无人清运", area=area,
                    contact_name="杨学伦", phone=phone, photos=[jpeg()])
    case, code = case_submit(intake=intake)
    return Case.objects.get(pk=case.pk), code


def test_what_belongs_to_a_case_is_in_scope_with_it(cases):
    mine, _ = _with_photo(cases, cases.tree.branch_a, "13900001111")
    theirs, _ = _with_photo(cases, cases.tree.branch_b, "13900002222")
    town = cases.users["town_a_admin"]
    visible = set(policy.restrict(Case, town).values_list("pk", flat=True))
    assert mine.pk in visible and theirs.pk not in visible
    for model in (CasePhoto, CaseAssignment, CaseEvent):
        rows = policy.restrict(model, town)
        assert rows.exists() and set(rows.values_list("case_id", flat=True)) <= visible, model
        other = model.objects.filter(case=theirs).first()
        assert not policy.can(town, policy.CASE_VIEW, other)
        with pytest.raises(Http404):
            policy.get(model, town, other.pk)
        assert policy.get(model, cases.users["dispatcher"], other.pk) == other


def test_a_request_to_extend_is_decided_by_dispatchers_of_its_case(cases):
    case, _ = _with_photo(cases, cases.tree.branch_a, "13900003333")
    town = cases.users["town_a_admin"]
    services.case_sign(actor=town, case=case, unit=cases.town_a)
    case.refresh_from_db()
    extension = services.case_request_extension(actor=town, case=case, unit=cases.town_a,
                                                until=case.deadline + timedelta(days=1), reason="需协调")
    assert policy.get(CaseExtension, town, extension.pk) == extension  # the unit sees its request
    with pytest.raises(PermissionDenied):  # but does not decide it
        policy.get(CaseExtension, town, extension.pk, policy.CASE_DISPATCH)
    with pytest.raises(Http404):
        policy.get(CaseExtension, cases.users["secretary_b"], extension.pk)
    assert policy.get(CaseExtension, cases.users["dispatcher"], extension.pk, policy.CASE_DISPATCH) == extension


def test_the_residents_grant_lives_in_one_place(cases):
    case, code = _with_photo(cases, cases.tree.branch_a, "13900004444")
    other, _ = _with_photo(cases, cases.tree.branch_a, "13900005555")
    request = SimpleNamespace(session={})
    photo = case.photos.get()
    assert not scopes.resident_may_see(request, case) and scopes.resident_case(request, case.number) is None
    assert scopes.resident_photo(request, photo.pk) is None
    assert scopes.resident_unlock(request, case.number, "WRONG000") is None
    assert not scopes.resident_may_see(request, case)
    assert scopes.resident_unlock(request, f" {case.number.lower()} ", code.lower()) == case
    assert scopes.resident_may_see(request, case) and scopes.resident_case(request, case.number) == case
    assert scopes.resident_photo(request, photo.pk) == photo
    assert not scopes.resident_may_see(request, other)
    assert scopes.resident_photo(request, other.photos.get().pk) is None
