"""Forms of rounds and scoring: the values are checked again by round_services (the forms give the 400 page its
field messages)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.access import policy
from apps.orgs.picker import OrgChoiceField

from .models import Period

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class RoundForm(forms.Form):
    system = forms.ModelChoiceField(label=_("指标体系（使用中）"), queryset=None, empty_label=None)
    period_kind = forms.ChoiceField(label=_("考核周期"), choices=Period.choices)
    number = forms.IntegerField(label=_("第几期"), min_value=1, max_value=12, initial=1,
                                help_text=_("月度填1–12，季度填1–4，半年填1–2，年度填1"),
                                error_messages={"min_value": _("期数应在1至12之间"), "max_value": _("期数应在1至12之间"),
                                                "invalid": _("请填写数字")})
    name = forms.CharField(label=_("轮次名称"), max_length=100, required=False, help_text=_("不填则按类别和期间命名"))
    opens_at = forms.DateTimeField(label=_("评分开始时间"), widget=DATETIME,
                                   error_messages={"invalid": _("请填写正确的日期时间")})
    closes_at = forms.DateTimeField(label=_("评分截止时间"), widget=DATETIME,
                                    error_messages={"invalid": _("请填写正确的日期时间")})

    def __init__(self, *args, systems, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["system"].queryset = systems
        self.fields["system"].error_messages["invalid_choice"] = _("请选择您管理的使用中的指标体系")


class ManualScoreForm(forms.Form):
    points = forms.CharField(label=_("得分"), max_length=60)
    comment = forms.CharField(label=_("评分说明"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
                              error_messages={"required": _("请填写评分说明（评分依据）")})


class ItemForm(forms.Form):
    what = forms.CharField(label=_("事项"), max_length=200)
    happened_on = forms.DateField(label=_("发生日期"), widget=forms.DateInput(attrs={"type": "date"}),
                                  error_messages={"invalid": _("请填写正确的日期")})
    note = forms.CharField(label=_("备注"), max_length=500, required=False)


class CrossGroupForm(forms.Form):
    name = forms.CharField(label=_("小组名称"), max_length=40, error_messages={"max_length": _("小组名称不能超过40个字符")})


class CrossMemberForm(forms.Form):
    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"] = OrgChoiceField(label=_("成员单位"), capability=policy.ASSESSMENT_MANAGE,
                                                     queryset=scope)


class CrossScoreForm(forms.Form):
    indicator = forms.IntegerField(widget=forms.HiddenInput, error_messages={"invalid": _("指标不正确")})
    member = forms.IntegerField(widget=forms.HiddenInput, required=False)
    points = forms.CharField(label=_("得分"), max_length=60)
    comment = forms.CharField(label=_("评分说明"), max_length=1000, required=False)
