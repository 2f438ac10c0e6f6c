"""Member searches and filters used by the pages, the export and the API."""

import re
from datetime import date

import django_filters
from django import forms
from django.db import connection
from django.db.models import F, Q
from django.db.models.functions import Collate
from django.utils.translation import gettext_lazy as _

from apps.access import policy
from apps.core import codes
from apps.core.crypto import keyed_hash
from apps.core.dates import add_years
from apps.core.idcard import normalize_id_number
from apps.core.query import prefix_q
from apps.core.text import normalize_text
from apps.orgs.models import Organization, OrgDomain, OrgMemberCount
from apps.orgs.picker import OrgFilter

from .models import CURRENT_STATUSES, Member, MemberCategory, MemberStatus, Sex

_ID_LIKE = re.compile(r"^\d{17}[\dX]$")
_PHONE_LIKE = re.compile(r"^1\d{10}$")
_ASCII_LETTERS = re.compile(r"^[a-z]+$")


def classify_search(raw: str) -> tuple[str, str]:
    """What a search box query is: ("id", number), ("phone", digits), ("pinyin", letters),
    ("name", prefix) or ("", "") for nothing."""
    text = normalize_text(raw)
    if not text:
        return "", ""
    compact = normalize_id_number(text)
    if _ID_LIKE.match(compact):
        return "id", compact
    digits = text.replace(" ", "").replace("-", "")
    if _PHONE_LIKE.match(digits):
        return "phone", digits
    letters = text.lower().replace(" ", "")
    if _ASCII_LETTERS.match(letters):
        return "pinyin", letters
    return "name", text.replace(" ", "")


def is_private_query(raw) -> bool:
    """Whether a search box query must be kept out of URLs (and so out of access logs, browser history and
    Referer headers): an ID number or phone, or any query with digits in it — a number being typed, which a name
    search never needs."""
    kind, value = classify_search(raw or "")
    return kind in ("id", "phone") or any(ch.isdigit() for ch in normalize_text(raw or ""))


def search_q(raw: str) -> Q:
    """An ID number or phone (exact, by keyed hash), pinyin or initials (prefix), or the start of a name."""
    kind, value = classify_search(raw)
    if kind == "id":
        return Q(id_hash=keyed_hash(value))
    if kind == "phone":
        return Q(phone_hash=keyed_hash(value))
    if kind == "pinyin":
        return prefix_q("name_initials", value) | prefix_q("name_pinyin", value)
    if kind == "name":
        return prefix_q("name", value)
    return Q()


STATUS_CHOICES = [("current", _("现有党员（正常、流动、失联）"))] + list(MemberStatus.choices) + [("all", _("全部"))]


class MemberFilter(django_filters.FilterSet):
    """Filters shared by the member list page, the Excel export and the API."""

    q = django_filters.CharFilter(label=_("搜索"), method="filter_q")
    # The organization picker; a code or an id (links from organization pages) is accepted as typed text.
    org = OrgFilter(label=_("组织（含下级）"), field_name="organization__path", capability=policy.MEMBER_VIEW,
                    active_only=False, required=False, help_text=_("组织名称、拼音首字母或编码（或组织ID）"))
    category = django_filters.ChoiceFilter(label=_("人员类别"), choices=MemberCategory.choices)
    status = django_filters.ChoiceFilter(label=_("党员状态"), choices=STATUS_CHOICES, method="filter_status", empty_label=_("现有党员（默认）"))
    sex = django_filters.ChoiceFilter(label=_("性别"), choices=Sex.choices)
    education = django_filters.ChoiceFilter(label=_("学历"), choices=codes.EDUCATIONS)
    domain = django_filters.ChoiceFilter(label=_("所属领域"), choices=OrgDomain.choices, field_name="organization__domain")
    hardship = django_filters.BooleanFilter(label=_("困难党员"), field_name="is_hardship", widget=forms.Select(
        choices=[("", _("全部")), ("true", _("是")), ("false", _("否"))]))
    age_min = django_filters.NumberFilter(label=_("年龄≥"), method="filter_age_min", min_value=0, max_value=150)
    age_max = django_filters.NumberFilter(label=_("年龄≤"), method="filter_age_max", min_value=0, max_value=150)
    standing_min = django_filters.NumberFilter(label=_("党龄≥"), method="filter_standing_min", min_value=0, max_value=120)
    standing_max = django_filters.NumberFilter(label=_("党龄≤"), method="filter_standing_max", min_value=0, max_value=120)

    class Meta:
        model = Member
        fields = []

    selected_org = None

    def __init__(self, *args, scope_orgs=None, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope_orgs = scope_orgs  # organizations the user may filter by (access layer)
        self.today = today or date.today()
        self.filters["org"].extra["queryset"] = scope_orgs if scope_orgs is not None else Organization.objects.all()

    @property
    def qs(self):
        qs = super().qs
        # Default: the current roster, unless a status filter says otherwise.
        if not (self.form.is_valid() and self.form.cleaned_data.get("status")):
            qs = qs.filter(status__in=CURRENT_STATUSES)
        return qs

    def filter_q(self, qs, name, value):
        return qs.filter(search_q(value), *search_key_range(value))

    def filter_status(self, qs, name, value):
        if value == "current":
            return qs.filter(status__in=CURRENT_STATUSES)
        if value == "all":
            return qs
        return qs.filter(status=value)

    # Age ≥ n  ⇔  born on or before today − n years.
    def filter_age_min(self, qs, name, value):
        return qs.filter(birth_date__lte=add_years(self.today, -int(value)))

    def filter_age_max(self, qs, name, value):
        return qs.filter(birth_date__gt=add_years(self.today, -int(value) - 1))

    # 党龄 counts from the date of becoming a full member.
    def filter_standing_min(self, qs, name, value):
        return qs.filter(full_member_on__lte=add_years(self.today, -int(value)))

    def filter_standing_max(self, qs, name, value):
        return qs.filter(Q(full_member_on__gt=add_years(self.today, -int(value) - 1)) | Q(full_member_on__isnull=True))


def member_list(user, params, *, capability=None):
    """The filtered, ordered member queryset a user may see, and the bound filter."""
    capability = capability or policy.MEMBER_VIEW
    base = policy.restrict(Member, user, capability).select_related("organization")
    f = MemberFilter(params, queryset=base, scope_orgs=policy.restrict(Organization, user))
    return f, f.qs.order_by(*list_ordering(params.get("q", "")))


def list_ordering(raw: str):
    """Pinyin order; for a search by the start of a name, name order.

    On PostgreSQL a search's results are ordered in code-point order (as on SQLite) through an
    expression no index provides: the planner then finds the matches through the search's own
    prefix index and sorts them. Ordered by an indexed column, it would rather walk that whole
    index in order and filter — seconds for a common surname or initials among 2 million rows.
    """
    kind = classify_search(raw)[0]
    column = "name" if kind == "name" else "name_pinyin"
    if kind and connection.vendor == "postgresql":
        return (Collate(F(column), "C").asc(), "id")
    return (column, "id")


def list_keys(raw: str):
    """The list's stable order as keyset keys: (annotations, keys) — pinyin (a name search: name) then id; on
    PostgreSQL a search orders by the column in code-point order (see list_ordering), named `sort_key`."""
    kind = classify_search(raw)[0]
    column = "name" if kind == "name" else "name_pinyin"
    if connection.vendor == "postgresql":
        # The whole list too: pinyin is ASCII, so code-point order is the pinyin order, and one index
        # (members/0007: the key, id, and the columns the filters read) serves the list and the searches.
        return {"sort_key": Collate(F(column), "C")}, ("sort_key", "id")
    return {}, (column, "id")


def search_key_range(raw: str):
    """PostgreSQL: where the list's sort key starts holding the matches of a pinyin or name search, so that when
    they are many the search walks the index of members/0007 in list order from there and stops after a page (or
    at the count's cap) instead of sorting every match — and never walks it from "a" (seconds among 2 million rows).

    A name search gets the whole range (its matches are exactly the range). A pinyin search (pinyin or initials)
    gets its lower bound only: its matches share the first letter of the pinyin, but the range of that letter
    (a tenth of a province's members) is far wider than the matches of a few initials, and given both bounds the
    planner read the whole range into a bitmap to AND it with the initials' own index (taking the two as
    independent), a bitmap of 300,000 entries for 4,000 matches. One bound alone is no narrow bitmap: a few initials
    are found through their index and sorted (a few thousand rows), a letter or two walk the key from their letter."""
    from django.db.models.lookups import GreaterThanOrEqual, LessThan

    kind, value = classify_search(raw)
    if connection.vendor != "postgresql" or kind not in ("pinyin", "name"):
        return []
    if kind == "pinyin":
        return [GreaterThanOrEqual(Collate(F("name_pinyin"), "C"), value[0])]
    key = Collate(F("name"), "C")
    return [GreaterThanOrEqual(key, value), LessThan(key, value + "\U0010ffff")]


def member_page(user, f: MemberFilter, qs, params, *, per_page):
    """One page of the member list by keys (core.paging.KeysetPage) with its count: the stored counts when the
    list is not filtered, else the matches counted up to MEMBER_LIST_COUNT_CAP (a LIMIT subquery)."""
    from django.conf import settings

    from apps.core.paging import KeysetPage, capped_count

    annotations, keys = list_keys(params.get("q", ""))
    qs = qs.annotate(**annotations)
    count, capped = unfiltered_count(user, f), False
    if count is None:
        count, capped = capped_count(qs, settings.MEMBER_LIST_COUNT_CAP)
    # A cursor names a member by id; its key values are read within the user's whole view (not the filter), so a
    # member who left the filtered list since still marks the place.
    key_source = policy.restrict(Member, user).annotate(**annotations)
    return KeysetPage(qs.defer("id_number", "phone"), keys=keys, params=params, per_page=per_page, count=count,
                      capped=capped, key_source=key_source, numbered=settings.LIST_NUMBERED_PAGES)


def unfiltered_count(user, f: MemberFilter):
    """The size of the user's whole current roster when the list is not filtered, from the stored
    per-organization counts (None when a filter is set: then the database counts the matches)."""
    from django.db.models import Sum

    if not f.form.is_valid() or any(v not in (None, "") for v in f.form.cleaned_data.values()):
        return None
    paths = policy.scope_paths(user, policy.MEMBER_VIEW)  # collapsed: no path lies under another
    if not paths:
        return None
    # The scope's roots' stored roll-ups: one row per root, whatever the size of the subtrees.
    total = OrgMemberCount.objects.filter(organization__path__in=paths).aggregate(n=Sum("subtree_current"))["n"]
    return total or 0


def committee_candidates(user, org, raw: str) -> list:
    """Up to two current members of `org`'s subtree, within the user's view, that a typed name or full number
    names (添加班子成员: one is the member, two say "more than one")."""
    candidates = policy.restrict(Member, user).current().filter(organization__path__startswith=org.path)
    return list(candidates.filter(search_q(raw))[:2])
