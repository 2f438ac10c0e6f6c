"""Forms of cadres' pay: a scheme's settings and its rates (checked again by pay_services)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Period
from .pay_models import PayFormula
from .pay_services import PAYABLE_POSTS

MONEY_INPUT = {"inputmode": "decimal", "class": "form-control form-control-sm text-end", "autocomplete": "off"}


class SchemeForm(forms.Form):
    group = forms.ModelChoiceField(label=_("考核类别"), queryset=None, empty_label=None)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100,
                              error_messages={"min_value": _("年度须在2000至2100之间"),
                                              "max_value": _("年度须在2000至2100之间"), "invalid": _("请填写数字")})
    name = forms.CharField(label=_("方案名称"), max_length=100)
    period_kind = forms.ChoiceField(label=_("发放周期"), choices=Period.choices, initial=Period.YEAR,
                                    help_text=_("按哪一周期的考核轮次计发（同一年度只按一种周期发放，避免重复）"))
    formula = forms.ChoiceField(label=_("绩效计发方式"), choices=PayFormula.choices)
    threshold = forms.DecimalField(label=_("起付分"), required=False, min_value=0, max_value=100, decimal_places=2,
                                   max_digits=5, help_text=_("线性计发：低于起付分不发绩效奖励，达到满额分发全额"))
    full_score = forms.DecimalField(label=_("满额分"), initial=100, min_value=0, max_value=100, decimal_places=2, max_digits=5)
    note = forms.CharField(label=_("说明"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
        self.fields["group"].error_messages["invalid_choice"] = _("请选择您管理的考核类别")


class RatesForm(forms.Form):
    """One row per payable post (基本报酬 per month, 绩效奖励基数 per year) and one percentage per grade band."""

    def __init__(self, *args, scheme, bands, **kwargs):
        super().__init__(*args, **kwargs)
        rates = {r.post: r for r in scheme.rates.all()}
        percents = {b.band: b.percent for b in scheme.band_rates.all()}
        self.posts = []
        for post, label in PAYABLE_POSTS:
            rate = rates.get(post)
            fixed = forms.CharField(label=_("{post} 基本报酬（元/月）").format(post=label), required=False, max_length=20,
                                    initial=rate.monthly_fixed if rate else "", widget=forms.TextInput(attrs=MONEY_INPUT))
            base = forms.CharField(label=_("{post} 绩效奖励基数（元/年）").format(post=label), required=False, max_length=20,
                                   initial=rate.bonus_base if rate else "", widget=forms.TextInput(attrs=MONEY_INPUT))
            self.fields[f"fixed_{post}"], self.fields[f"base_{post}"] = fixed, base
            self.posts.append((post, label, f"fixed_{post}", f"base_{post}"))
        self.bands = []
        for i, band in enumerate(bands):
            self.fields[f"band_{i}"] = forms.CharField(label=_("「{band}」计发比例（%）").format(band=band), required=False,
                                                       max_length=20, initial=percents.get(band, ""),
                                                       widget=forms.TextInput(attrs=MONEY_INPUT))
            self.bands.append((band, f"band_{i}"))

    def rows(self):
        return [(label, self[fixed], self[base]) for _post, label, fixed, base in self.posts]

    def band_rows(self):
        return [(band, self[name]) for band, name in self.bands]

    def values(self):
        data = self.cleaned_data
        return ({post: (data.get(fixed), data.get(base)) for post, _label, fixed, base in self.posts},
                {band: data.get(name) for band, name in self.bands})
