import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.dates import MAX_YEAR, MIN_YEAR
from apps.orgs.models import OrgDomain, OrgKind
from apps.records.models import ActivityType

from . import catalogue, feeds, rules
from .models import WEIGHT_FIELDS, Method

POINTS_FIELD = {"max_digits": 6, "decimal_places": 2}
SCORE_FIELD = {"max_digits": 5, "decimal_places": 2}
YEAR_ERRORS = {"min_value": _("考核年度应在{min}年至{max}年之间").format(min=MIN_YEAR, max=MAX_YEAR),
               "max_value": _("考核年度应在{min}年至{max}年之间").format(min=MIN_YEAR, max=MAX_YEAR),
               "invalid": _("请填写年份，如 2026")}
CODES_MAX = 500


def _year_field(**kwargs):
    return forms.IntegerField(label=_("考核年度"), min_value=MIN_YEAR, max_value=MAX_YEAR, error_messages=YEAR_ERRORS, **kwargs)


class GroupForm(forms.Form):
    """A group's organizations: by domain and kind within the owner's subtree, and/or by code, one per line."""

    owner = forms.ModelChoiceField(label=_("考核单位"), queryset=None, empty_label=None,
                                   help_text=_("该类别只包括此组织及其下级组织"))
    name = forms.CharField(label=_("考核类别名称"), max_length=40, help_text=_("如：村、社区、机关、非公企业、学校"))
    domains = forms.MultipleChoiceField(label=_("按所属领域"), choices=OrgDomain.choices, required=False,
                                        widget=forms.CheckboxSelectMultiple)
    kinds = forms.MultipleChoiceField(label=_("按组织类别"), choices=OrgKind.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple,
                                      help_text=_("同时选择领域和类别时，须两者都符合；都不选则只包括逐个指定的组织"))
    codes = forms.CharField(label=_("逐个指定的组织（组织编码，每行一个）"), required=False, max_length=20_000,
                            widget=forms.Textarea(attrs={"rows": 4}))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
    sort_order = forms.IntegerField(label=_("排序"), min_value=0, max_value=32767, initial=100)

    def __init__(self, *args, owners, scope, group=None, **kwargs):
        """`owners`: the organizations the user may set a group up for; `scope`: where named organizations are looked up."""
        if group is not None:
            kwargs.setdefault("initial", {
                "owner": group.organization_id, "name": group.name, "domains": group.domains, "kinds": group.kinds,
                "codes": "\n".join(group.organizations.order_by("path").values_list("code", flat=True)),
                "note": group.note, "sort_order": group.sort_order})
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.fields["owner"].queryset = owners
        if group is not None:
            del self.fields["owner"]  # a group stays with its organization

    def clean_codes(self):
        codes = list(dict.fromkeys(c for c in re.split(r"[\s,，、;；]+", self.cleaned_data["codes"]) if c))
        if len(codes) > CODES_MAX:
            raise forms.ValidationError(_("最多逐个指定{n}个组织").format(n=CODES_MAX))
        found = {o.code: o for o in self.scope.filter(code__in=codes, is_active=True)}
        missing = [c for c in codes if c not in found]
        if missing:
            raise forms.ValidationError(_("未找到以下组织编码，或不在您的权限范围内：{codes}").format(codes="、".join(missing[:20])))
        self.cleaned_data["organizations"] = [found[c] for c in codes]
        return codes

    def clean(self):
        data = super().clean()
        data.setdefault("organizations", [])
        return data


class SystemForm(forms.Form):
    group = forms.ModelChoiceField(label=_("考核类别"), queryset=None, empty_label=None)
    year = _year_field()
    name = forms.CharField(label=_("指标体系名称"), max_length=100)
    note = forms.CharField(label=_("说明"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    weight_month = forms.DecimalField(label=_("月度权重（%）"), min_value=0, max_value=100, initial=0, **SCORE_FIELD)
    weight_quarter = forms.DecimalField(label=_("季度权重（%）"), min_value=0, max_value=100, initial=0, **SCORE_FIELD)
    weight_half = forms.DecimalField(label=_("半年权重（%）"), min_value=0, max_value=100, initial=0, **SCORE_FIELD)
    weight_year = forms.DecimalField(label=_("年度权重（%）"), min_value=0, max_value=100, initial=100, **SCORE_FIELD,
                                     help_text=_("各周期得分按权重合成年度总分，权重合计须为100%；不考核的周期填0"))

    def __init__(self, *args, groups=None, system=None, **kwargs):
        if system is not None:
            kwargs.setdefault("initial", {"name": system.name, "note": system.note,
                                          **{f: getattr(system, f) for f in WEIGHT_FIELDS.values()}})
        super().__init__(*args, **kwargs)
        if system is not None:  # a draft keeps its group and year: its version is numbered within them
            del self.fields["group"], self.fields["year"]
        else:
            self.fields["group"].queryset = groups
            self.fields["year"].initial = timezone.localdate().year

    def clean(self):
        data = super().clean()
        weights = [data.get(f) for f in WEIGHT_FIELDS.values()]
        if all(w is not None for w in weights):
            for problem in rules.weight_problems(weights):
                self.add_error("weight_year", problem)
        return data


class CopyForm(forms.Form):
    year = _year_field(help_text=_("同一年度即复制为新版本；填下一年度即沿用本体系作为下一年度的草稿"))


class IndicatorForm(forms.Form):
    name = forms.CharField(label=_("指标名称"), max_length=100)
    standard = forms.CharField(label=_("考核内容与评分标准"), max_length=1000, required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))
    max_points = forms.DecimalField(label=_("分值"), **POINTS_FIELD)
    method = forms.ChoiceField(label=_("评分方式"), required=False,
                               choices=[("", _("（有下级指标的不设评分方式）")), *Method.choices])
    metric = forms.ChoiceField(label=_("自动计分指标"), required=False)
    activity_type = forms.ModelChoiceField(label=_("活动类型"), queryset=ActivityType.objects.none(), required=False,
                                           help_text=_("单项组织生活完成率须选择"))
    points_per = forms.DecimalField(label=_("每项扣（加）分"), required=False, **POINTS_FIELD,
                                    help_text=_("负面清单每项扣分、加分项每项加分，或按件数扣分的自动指标每件扣分"))
    cap = forms.DecimalField(label=_("最多扣（加）分"), required=False, **POINTS_FIELD,
                             help_text=_("不超过该指标的分值；不填即以分值为限"))
    cross_weight = forms.IntegerField(
        label=_("交叉评分权重（%）"), required=False, min_value=0, max_value=100, initial=0,
        help_text=_("仅人工评分：0 由上级评分；100 由交叉考核小组互评（取平均分）；其间为“1+N”，按此比例合计上级评分与互评平均分"),
        error_messages={"min_value": _("交叉评分权重须为0至100之间的整数"), "max_value": _("交叉评分权重须为0至100之间的整数"),
                        "invalid": _("交叉评分权重须为0至100之间的整数")})
    item_feed = forms.ChoiceField(label=_("扣（加）分事项来源"), required=False,
                                  help_text=_("负面清单、加分项：不选即由评分人逐项录入；选择后可在考核轮次中一键提取"))

    def __init__(self, *args, indicator=None, **kwargs):
        if indicator is not None:
            kwargs.setdefault("initial", {f: getattr(indicator, f) for f in
                                          ("name", "standard", "max_points", "method", "metric", "points_per", "cap",
                                           "cross_weight", "item_feed")}
                              | {"activity_type": indicator.activity_type_id})
        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = [("", "—"), *catalogue.choices()]
        self.fields["item_feed"].choices = [("", _("逐项录入")), *feeds.choices()]
        self.fields["activity_type"].queryset = ActivityType.objects.filter(is_active=True).exclude(frequency="none")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        for field, message in rules.indicator_problems(
                max_points=data.get("max_points"), method=data.get("method"), metric=data.get("metric"),
                activity_type=data.get("activity_type"), points_per=data.get("points_per"), cap=data.get("cap")).items():
            self.add_error(field if field in self.fields else None, message)
        return data


class BandForm(forms.Form):
    """One grade band; a row left empty is no band (the formset's blank rows)."""

    name = forms.CharField(label=_("等次"), max_length=20, required=False)
    min_score = forms.DecimalField(label=_("最低分（含）"), min_value=0, max_value=100, required=False, **SCORE_FIELD)
    max_score = forms.DecimalField(label=_("最高分（不含，100分含）"), min_value=0, max_value=100, required=False, **SCORE_FIELD)

    def clean(self):
        data = super().clean()
        filled = [data.get("name"), data.get("min_score"), data.get("max_score")]
        if any(v not in (None, "") for v in filled) and any(v in (None, "") for v in filled) and not self.errors:
            raise forms.ValidationError(_("请完整填写等次名称、最低分和最高分"))
        return data


class BaseBandFormSet(forms.BaseFormSet):
    def bands(self):
        return [(f.cleaned_data["name"], f.cleaned_data["min_score"], f.cleaned_data["max_score"]) for f in self.forms
                if f.cleaned_data.get("name") and f.cleaned_data.get("min_score") is not None
                and f.cleaned_data.get("max_score") is not None]

    def clean(self):
        if any(self.errors):
            return
        problems = rules.band_problems(self.bands())
        if problems:
            raise forms.ValidationError(problems)


BandFormSet = forms.formset_factory(BandForm, formset=BaseBandFormSet, extra=2, max_num=10, absolute_max=10,
                                    validate_max=True)
