"""Forms of honours: the values are checked again by honour_services (the forms give the 400 page its messages)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.orgs.picker import OrgChoiceField

from .honour_models import NominationStatus
from .honour_scopes import NOMINATE

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CampaignForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("组织单位"), queryset=None, empty_label=None)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100,
                              error_messages={"min_value": _("年度应在2000至2100之间"), "max_value": _("年度应在2000至2100之间"),
                                              "invalid": _("请填写数字")})
    name = forms.CharField(label=_("活动名称"), max_length=100, required=False, help_text=_("不填则为“某年1213党建引领示范行动”"))
    note = forms.CharField(label=_("说明"), max_length=500, required=False)

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = orgs
        self.fields["organization"].error_messages["invalid_choice"] = _("请选择您管理的组织")


class QuotaForm(forms.Form):
    quota = forms.IntegerField(label=_("名额"), min_value=0, max_value=10000,
                               error_messages={"min_value": _("名额应在0至10000之间"), "max_value": _("名额应在0至10000之间"),
                                               "invalid": _("请填写数字")})


class NominateForm(forms.Form):
    kind = forms.ModelChoiceField(label=_("示范类别"), queryset=None, empty_label=None)
    nominated_by_org = OrgChoiceField(label=_("推荐单位"), capability=NOMINATE)
    nominee_org = OrgChoiceField(label=_("被推荐的组织"), capability=NOMINATE, required=False,
                                 help_text=_("示范党支部、示范党小组：选择组织"))
    nominee_member = forms.CharField(label=_("被推荐的党员（姓名或身份证号）"), max_length=60, required=False,
                                     help_text=_("示范岗、示范户：填写推荐单位范围内党员的姓名，同名时填身份证号"))
    reasons = forms.CharField(label=_("推荐理由（主要事迹）"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5, "class": "form-control"}))

    def __init__(self, *args, kinds, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = kinds
        self.fields["kind"].error_messages["invalid_choice"] = _("请选择本活动的示范类别")
        self.fields["nominated_by_org"].queryset = orgs
        self.fields["nominee_org"].queryset = orgs


class ApproveForm(forms.Form):
    awarded_on = forms.DateField(label=_("授予日期"), widget=DATE, error_messages={"invalid": _("请填写正确的日期")})
    certificate_no = forms.CharField(label=_("证书（牌匾）编号"), max_length=40, required=False)
    note = forms.CharField(label=_("审核意见"), max_length=500, required=False)


class ReasonForm(forms.Form):
    note = forms.CharField(label=_("理由"), max_length=500, error_messages={"required": _("请填写理由")})


class NominationFilter(forms.Form):
    kind = forms.ModelChoiceField(label=_("示范类别"), queryset=None, required=False, empty_label=_("全部类别"))
    status = forms.ChoiceField(label=_("状态"), choices=[("", _("全部状态")), *NominationStatus.choices], required=False)

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = kinds
