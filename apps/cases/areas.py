"""Where a problem is: the township/street (an organization tied to a township handling unit) and, below it, the
village or community (its child organizations of the village or community domain), all from the organization tree."""

import re

from apps.core.query import prefix_q
from apps.orgs.models import Organization, OrgDomain

from .models import HandlingUnit, UnitKind

_PREFIX = re.compile(r"^中共")
_SUFFIX = re.compile(r"(联合党支部|总支部委员会|支部委员会|党工委|党总支|党支部|党委|委员会|党组)$")
VILLAGE_DOMAINS = (OrgDomain.VILLAGE, OrgDomain.COMMUNITY)


def place_name(org) -> str:
    """The place an area organization stands for: 李渡街道山仑社区党支部 → 李渡街道山仑社区."""
    if org is None:
        return ""
    return _SUFFIX.sub("", _PREFIX.sub("", org.name)) or org.name


def with_places(orgs):
    """The organizations, each with `.place`: the place name residents know."""
    orgs = list(orgs)
    for org in orgs:
        org.place = place_name(org)
    return orgs


def townships():
    """Organizations of the active township units, in tree order."""
    units = HandlingUnit.objects.filter(kind=UnitKind.TOWNSHIP, is_active=True).values("organization_id")
    return Organization.objects.filter(pk__in=units, is_active=True).order_by("path")


def villages(township):
    """The villages and communities of a township: its direct child organizations of those domains."""
    if township is None:
        return Organization.objects.none()
    return (Organization.objects.filter(prefix_q("path", township.path), depth=township.depth + 1,
                                        domain__in=VILLAGE_DOMAINS, is_active=True).order_by("path"))


def village_areas():
    """Every organization of the village or community domains: the areas below a township, where cases lie."""
    return Organization.objects.filter(domain__in=VILLAGE_DOMAINS)


def ancestor_paths(org):
    """Paths of the organization and of every organization above it."""
    return ancestor_paths_of(org.path)


def ancestor_paths_of(path):
    """The path and the paths above it, the top one first."""
    return [path[:i] for i in range(Organization.steplen, len(path) + 1, Organization.steplen)]


def is_area_scope(org) -> bool:
    """Whether cases can lie in this organization's subtree: it is a township, lies in one, or has townships below."""
    if org is None:
        return False
    return (townships().filter(prefix_q("path", org.path)).exists()
            or townships().filter(path__in=ancestor_paths(org)).exists())


def township_of(area):
    """The township organization an area lies in (itself when it is one), or None."""
    if area is None:
        return None
    ancestors = ancestor_paths(area)
    return (Organization.objects.filter(path__in=ancestors, handling_units__kind=UnitKind.TOWNSHIP,
                                        handling_units__is_active=True).order_by("-depth").first())


def by_code(code):
    """The area organization with this code (Open311 address_id), or None."""
    return Organization.objects.filter(code=code).first() if code else None


def in_area(queryset, area, field="area"):
    """Cases (or anything with an area) in the subtree of `area`."""
    return queryset.filter(**{f"{field}__in": Organization.objects.filter(prefix_q("path", area.path)).values("pk")})


def first_root():
    """The first top-level organization (the district's), where generated units start when the scope is everything."""
    return Organization.objects.filter(depth=1).order_by("path").first()
