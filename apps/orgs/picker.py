"""The one organization picker: a form field, its widget and the scoped search behind it.

Everywhere an organization is chosen (a member's branch, a list filter, a new parent, a handling unit's
organization, the organization of a role grant — mode `GRANT`, the grant table's scope —, the branch of a
民主评议, the branch or 党小组 of a new plan or record) the form uses `OrgChoiceField`. In the browser it is a search-as-you-type box (htmx, the
`orgs:pick` endpoint) listing each match with its parent path; without JavaScript it is a plain text
box that accepts an organization code. The chosen organization's primary key travels in a hidden
`<name>_pk` input that the script enables; the server resolves it (or the typed code) against the
field's queryset — the user's scope — so a posted id outside the scope is refused, never trusted.
"""

from urllib.parse import urlencode

import django_filters
from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.access import grants, policy
from apps.core.lookups import parse_pk
from apps.core.query import prefix_q
from apps.core.text import normalize_text

from .models import BRANCH_KINDS, Organization, OrgKind
from .selectors import no_organizations, search_orgs, with_path_labels

RESULTS_MAX = 20  # a picker lists at most this many matches; typing more narrows them

# Capabilities a picker may search under: each is checked against the user's own roles by the access layer.
CAPABILITIES = {
    policy.ORG_VIEW, policy.ORG_MANAGE, policy.MEMBER_VIEW, policy.MEMBER_MANAGE, policy.RECORD_VIEW,
    policy.RECORD_MANAGE, policy.RECORD_REVIEW, policy.AUDIT_VIEW, policy.CASE_VIEW, policy.CASE_DISPATCH,
    policy.RULES_MANAGE,
}


def allow_capability(capability):
    """Another app's capability a picker may search under (registered from its scopes, like the capability itself)."""
    CAPABILITIES.add(capability)


# Not a capability: the picker of the role form offers the organizations where the user may grant a role
# (apps.access.grants.grant_orgs), the grant table's scope rather than the access layer's.
GRANT = "grant"

# Which kinds of organization a picker offers (a member's branch is never a 党小组; a 党小组 field only those).
KIND_SETS = {
    "": None,
    "branch": sorted(BRANCH_KINDS),
    "group": [OrgKind.GROUP],
    "nongroup": [k for k in OrgKind.values if k != OrgKind.GROUP],
    "record": [*BRANCH_KINDS, OrgKind.GROUP],
}


def narrow(queryset, kinds="", active_only=True):
    if active_only:
        queryset = queryset.filter(is_active=True)
    if KIND_SETS.get(kinds):
        queryset = queryset.filter(kind__in=KIND_SETS[kinds])
    return queryset


def clean_query(raw) -> str:
    # Control characters (NUL above all) never reach the database; a picker query is short.
    return "".join(ch for ch in normalize_text(raw) if ch.isprintable())[:60]


def scope(user, capability):
    """The organizations a picker searches under `capability` (or GRANT) for this user."""
    if capability == GRANT:
        return grants.grant_orgs(user)
    return policy.restrict(Organization, user, capability)


def may_pick(user, capability) -> bool:
    if capability == GRANT:
        return grants.administers_roles(user)
    return policy.has_capability(user, capability)


def pick(user, capability, raw, *, kinds="", active_only=True):
    """Up to RESULTS_MAX organizations in the user's scope for `capability` matching the text (name,
    code, pinyin or initials), each with its parent path; and whether there were more.
    Three queries: the user's roles (cached per request), the matches, their ancestors."""
    scope_qs = scope(user, capability)
    found = list(search_orgs(narrow(scope_qs, kinds, active_only), clean_query(raw))[:RESULTS_MAX + 1])
    return with_path_labels(found[:RESULTS_MAX], ancestors_from=scope_qs), len(found) > RESULTS_MAX


def picker_url(capability, kinds="", active_only=True) -> str:
    params = {"cap": capability}
    if kinds:
        params["kinds"] = kinds
    if not active_only:
        params["active"] = "0"
    return f"{reverse('orgs:pick')}?{urlencode(params)}"


class OrgPickerWidget(forms.Widget):
    template_name = "orgs/widgets/org_picker.html"

    def __init__(self, attrs=None, *, capability=policy.ORG_VIEW, kinds="", active_only=True):
        super().__init__(attrs)
        self.capability, self.kinds, self.active_only = capability, kinds, active_only

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        value = value if isinstance(value, dict) else {"pk": "", "text": value or "", "label": ""}
        context["widget"].update({
            "pk_name": f"{name}_pk", "pk": value.get("pk") or "", "text": value.get("text") or "",
            "label": value.get("label") or "", "url": picker_url(self.capability, self.kinds, self.active_only),
        })
        return context

    def value_from_datadict(self, data, files, name):
        pk = str(data.get(f"{name}_pk") or "").strip()
        text = str(data.get(name) or "")
        if not pk and not text.strip():
            return None
        return {"pk": pk, "text": text}

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}_pk" not in data


class OrgChoiceField(forms.ModelChoiceField):
    """An organization chosen with the picker. Set `queryset` to the user's scope (the access layer's
    `policy.restrict(Organization, user, capability)`); the field narrows it to the kinds it offers and, unless
    `active_only=False` (list filters reach dissolved organizations too), to existing organizations."""

    default_error_messages = {
        "invalid_choice": _("未找到该组织，或它不在您的权限范围内：请从列表中选择，或输入组织编码"),
    }

    def __init__(self, queryset=None, *, capability=policy.ORG_VIEW, kinds="", active_only=True, **kwargs):
        if kinds not in KIND_SETS:
            raise ValueError(f"unknown kinds {kinds!r}")
        self.capability, self.kinds, self.active_only = capability, kinds, active_only
        self.scope = None
        kwargs.setdefault("widget", OrgPickerWidget(capability=capability, kinds=kinds, active_only=active_only))
        kwargs.setdefault("empty_label", None)
        super().__init__(queryset if queryset is not None else no_organizations(), **kwargs)

    def _set_queryset(self, queryset):
        # The unnarrowed scope is kept for the parent paths (ancestors of another kind are shown too).
        self.scope = queryset
        super()._set_queryset(narrow(queryset, self.kinds, self.active_only) if queryset is not None else None)

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        if self.scope is not None:
            result.queryset = self.scope.all()
        return result

    def _resolve(self, value):
        """The organization a submitted value names within the queryset, or None; `value` is the widget's
        {"pk", "text"}, an organization, a primary key, or typed text (a code, a primary key from a link,
        or a unique exact name)."""
        if isinstance(value, Organization):
            return self.queryset.filter(pk=value.pk).first()
        if isinstance(value, dict):
            pk, text = str(value.get("pk") or "").strip(), value.get("text") or ""
        else:
            pk, text = "", str(value)
        if pk:
            # A chosen option: its id must be in scope; no fallback to the text.
            return self.queryset.filter(pk=parse_pk(pk)).first() if parse_pk(pk) is not None else None
        text = clean_query(text).replace(" ", "")
        if not text:
            return None
        org = self.queryset.filter(code=text.upper()).first()
        if org is None and parse_pk(text) is not None:
            org = self.queryset.filter(pk=parse_pk(text)).first()
        if org is None:
            # A name typed in full (or a path label pasted back) is accepted when it names one organization.
            named = list(self.queryset.filter(name=text.split("›")[-1].strip())[:2])
            org = named[0] if len(named) == 1 else None
        return org

    def to_python(self, value):
        if value in self.empty_values:
            return None
        org = self._resolve(value)
        if org is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                        params={"value": str(value)})
        return org

    def validate(self, value):
        forms.Field.validate(self, value)

    def has_changed(self, initial, data):
        if self.disabled:
            return False
        before = getattr(initial, "pk", initial)
        after = self._resolve(data) if data not in self.empty_values else None
        return str(before or "") != str(getattr(after, "pk", "") or "")

    def prepare_value(self, value):
        """What the widget shows: the organization's code (what a browser without JavaScript submits
        back), its parent path as the label, and its id; or the text as typed when it named nothing."""
        if value in self.empty_values:
            return {"pk": "", "text": "", "label": ""}
        if isinstance(value, Organization):
            org = value
        elif isinstance(value, int | str) and parse_pk(value) is not None and self.queryset is not None:
            org = self.queryset.filter(pk=parse_pk(value)).first()
        else:
            org = self._resolve(value) if self.queryset is not None else None
        if org is None:
            text = value.get("text", "") if isinstance(value, dict) else str(value)
            return {"pk": "", "text": text, "label": ""}
        with_path_labels([org], ancestors_from=self.scope)
        return {"pk": org.pk, "text": org.code, "label": org.path_label}


class OrgFilter(django_filters.Filter):
    """A list filter: the rows of the chosen organization's whole subtree (`field_name` is a path field).
    Give it the user's scope with `filterset.filters[name].extra["queryset"] = …` before the form is built."""

    field_class = OrgChoiceField

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        if self.parent is not None:
            self.parent.selected_org = value
        return qs.filter(prefix_q(self.field_name, value.path))
