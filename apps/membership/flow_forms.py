"""Forms of flowing members. The organization attended while away is chosen among the platform's branches by code
(it lies outside the home organization's scope) or named in text; an inflow's branch is chosen within the user's
MEMBER_MANAGE scope."""

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.access import policy
from apps.orgs.picker import OrgChoiceField

from .flow_models import ReportWay
from .transfer_forms import ToOrganizationField

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FlowOutForm(forms.Form):
    place = forms.CharField(label=_("流动去向"), max_length=120)
    since = forms.DateField(label=_("外出日期"), widget=DATE)
    contact = forms.CharField(label=_("流动期间联系方式"), max_length=120, required=False)
    host_organization = ToOrganizationField(label=_("参加活动的党组织编码（本平台）"), max_length=32, required=False)
    host_name = forms.CharField(label=_("参加活动的党组织（外地）"), max_length=120, required=False,
                                help_text=_("不在本平台的党组织，填写名称"))


class FlowEndForm(forms.Form):
    ended_on = forms.DateField(label=_("返回日期"), widget=DATE)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class ReportForm(forms.Form):
    reported_on = forms.DateField(label=_("汇报日期"), widget=DATE)
    way = forms.ChoiceField(label=_("汇报方式"), choices=ReportWay.choices)
    content = forms.CharField(label=_("汇报内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class FlowInForm(forms.Form):
    organization = OrgChoiceField(label=_("编入党支部"), capability=policy.MEMBER_MANAGE, kinds="branch")
    name = forms.CharField(label=_("姓名"), max_length=60)
    id_number = forms.CharField(label=_("身份证号"), max_length=18)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    home_organization = forms.CharField(label=_("原党组织"), max_length=120)
    since = forms.DateField(label=_("流入日期"), widget=DATE)
    until = forms.DateField(label=_("预计离开日期"), widget=DATE, required=False)
    card_number = forms.CharField(label=_("流动党员活动证编号"), max_length=40, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = policy.restrict(policy.organization_model(), user,
                                                               policy.MEMBER_MANAGE)


class FlowInEndForm(forms.Form):
    ended_on = forms.DateField(label=_("离开日期"), widget=DATE)


class LostForm(forms.Form):
    lost_on = forms.DateField(label=_("失去联系日期"), widget=DATE)
    note = forms.CharField(label=_("情况说明"), max_length=200, required=False)


class SearchForm(forms.Form):
    searched_on = forms.DateField(label=_("查找日期"), widget=DATE)
    method = forms.CharField(label=_("查找方式"), max_length=60, help_text=_("如：电话、走访家属、函询原单位"))
    searcher = forms.CharField(label=_("查找人"), max_length=60)
    result = forms.CharField(label=_("查找结果"), max_length=200)


class FoundForm(forms.Form):
    found_on = forms.DateField(label=_("恢复联系日期"), widget=DATE)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

