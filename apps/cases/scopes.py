"""How citizen requests (群工系统) are scoped.

A case is in a user's scope when its area (where the problem is) lies in the scope, or when one of its units
(首接, lead or assisting, now or before) is tied to an organization in the scope. A unit's staff act for it
(CASE_HANDLE); dispatchers (CASE_DISPATCH) act on every case of their scope. What belongs to a case (its photos,
requests to extend, assignments, timeline) is in scope exactly when its case is.

Residents have no account: a browser that entered a case's number and query code (or submitted the case) may see
that case, and its photos, for the rest of its session (`resident_unlock`, `resident_grant`, `resident_case`,
`resident_may_see_photo`); every public page that serves a case asks here.
"""

import hmac

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.access import policy, scoping

from . import numbers
from .models import AssignmentRole, Case, CaseAssignment, CaseEvent, CaseExtension, CasePhoto, HandlingUnit, PhotoStage


def case_units(user, capability=policy.CASE_HANDLE):
    """The active handling units the user acts for: in the subtree of an organization where the user holds the role,
    the units nearest to it. A role on the district's root acts for the district's own unit, not for every township
    below it; a township's staff act for the township, and a village unit below it has staff of its own."""
    cache = user.__dict__.setdefault("_case_units", {})
    if capability not in cache:
        paths = policy.scope_paths(user, capability)
        units = list(HandlingUnit.objects.filter(is_active=True).filter(policy.subtree_q(paths, "organization__path"))
                     .select_related("organization")) if paths else []
        unit_paths = {u.organization.path for u in units}
        steplen = policy.organization_model().steplen

        def nearest(unit):
            path = unit.organization.path
            top = next(p for p in paths if path.startswith(p))
            return not any(path[:i] in unit_paths for i in range(len(top), len(path), steplen))

        cache[capability] = [u for u in units if nearest(u)]
    return cache[capability]


def case_acting_units(user, case):
    """The units the user acts for on this case, among its current assignments (the lead's first)."""
    mine = {u.pk for u in case_units(user)}
    if not mine:
        return []
    current = [a for a in case.assignments.select_related("unit__organization") if a.is_current and a.unit_id in mine]
    return [a.unit for a in sorted(current, key=lambda a: a.role != AssignmentRole.LEAD)]


def _units_in(paths):
    return HandlingUnit.objects.filter(policy.subtree_q(paths, "organization__path")).values("pk")


def _visible(user, capability):
    paths = policy.scope_paths(user, capability)
    if not paths:
        return scoping.nothing()
    if policy.covers_every_root(paths):
        return Q()
    units = _units_in(paths)
    assigned = CaseAssignment.objects.filter(unit__in=units).values("case_id")
    areas = policy.organization_model().objects.filter(policy.subtree_q(paths)).values("pk")
    return Q(area__in=areas) | Q(lead_unit__in=units) | Q(owner_unit__in=units) | Q(pk__in=assigned)


def _case_paths(case):
    paths = [u.organization.path for u in (case.lead_unit, case.owner_unit) if u is not None]
    if case.area_id:
        paths.append(case.area.path)
    return paths


def _check(user, capability, case):
    if capability == policy.CASE_HANDLE:
        return bool(case_acting_units(user, case))
    paths = policy.scope_paths(user, capability)
    if not paths:
        return False
    if policy.covers_every_root(paths) or any(policy.in_paths(p, paths) for p in _case_paths(case)):
        return True
    if capability == policy.CASE_VIEW:  # as the list: a unit anywhere in the scope was assigned to it
        return case.assignments.filter(unit__in=_units_in(paths)).exists()
    return False


scoping.register(Case, org_path="area__path", view=policy.CASE_VIEW, label=_("诉求"),
                 related=("service", "area", "lead_unit__organization", "owner_unit__organization", "master"),
                 visible=_visible, check=_check)


# ---- what belongs to a case: in scope with its case ----

scoping.register_child(CasePhoto, parent=Case, via="case", label=_("照片"))
scoping.register_child(CaseExtension, parent=Case, via="case", label=_("延期申请"), related=("unit__organization",))
scoping.register_child(CaseAssignment, parent=Case, via="case", label=_("派单记录"), related=("unit__organization",))
scoping.register_child(CaseEvent, parent=Case, via="case", label=_("办理过程"), related=("unit",))


# ---- residents: a case seen with its query code, for the session ----

SESSION_ACCESS = "case_access"
_REMEMBERED = 20  # the cases one browser keeps access to


def resident_grant(request, case):
    """This browser may see the case for the rest of its session (its query code was entered, or it submitted it)."""
    seen = request.session.get(SESSION_ACCESS, [])
    if case.number not in seen:
        request.session[SESSION_ACCESS] = [*seen[-(_REMEMBERED - 1):], case.number]


def resident_unlock(request, number, code):
    """The case with this number if `code` is its query code (and the browser is granted it), else None."""
    case = Case.objects.filter(number=(number or "").strip().upper()).first()
    if case is None or not hmac.compare_digest(case.query_code_hash, numbers.hash_code(code)):
        return None
    resident_grant(request, case)
    return case


def _seen(request):
    return request.session.get(SESSION_ACCESS, [])


def resident_may_see(request, case) -> bool:
    return case.number in _seen(request)


def resident_case(request, number, related=()):
    """The case with this number if this browser was granted it; otherwise None (the caller sends the visitor to the
    lookup)."""
    if number not in _seen(request):
        return None
    return Case.objects.select_related(*related).filter(number=number).first()


def resident_may_see_photo(request, photo) -> bool:
    """A submitter sees their case's photos; a merged submitter also the result photos of the case they joined,
    never its other submitters' own photos."""
    seen = _seen(request)
    if photo.case.number in seen:
        return True
    return photo.stage == PhotoStage.RESOLUTION and Case.objects.filter(number__in=seen, master=photo.case_id).exists()


def resident_photo(request, pk):
    """A photo this browser may see, or None."""
    photo = CasePhoto.objects.filter(pk=pk).select_related("case").first() if pk is not None else None
    return photo if photo is not None and resident_may_see_photo(request, photo) else None
