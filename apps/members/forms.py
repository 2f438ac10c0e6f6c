from django import forms
from django.utils.translation import gettext_lazy as _

from apps.access import policy
from apps.core import codes
from apps.orgs.models import CommitteePost
from apps.orgs.picker import OrgChoiceField

from .models import MemberCategory, MemberStatus
from .rules import BY_STATUS_CHANGE_ONLY

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MemberForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=60)
    id_number = forms.CharField(label=_("身份证号"), max_length=30)
    # The organization picker (search by name, pinyin or code, with the parent path); scoped below.
    organization = OrgChoiceField(label=_("所在党组织"), capability=policy.MEMBER_MANAGE, kinds="nongroup")
    party_group = OrgChoiceField(label=_("所在党小组"), capability=policy.MEMBER_MANAGE, kinds="group", required=False)
    category = forms.ChoiceField(label=_("人员类别"), choices=MemberCategory.choices)
    status = forms.ChoiceField(label=_("党员状态"), choices=[c for c in MemberStatus.choices
                                                           if c[0] not in BY_STATUS_CHANGE_ONLY],
                               help_text=_("停止党籍、恢复党籍、出党、去世在党员页面“党员历程”中办理党籍变动"))
    joined_on = forms.DateField(label=_("入党日期"), widget=DATE)
    full_member_on = forms.DateField(label=_("转正日期"), widget=DATE, required=False)
    ethnicity = forms.ChoiceField(label=_("民族"), choices=codes.ETHNICITIES, initial="01")
    education = forms.ChoiceField(label=_("学历"), choices=[("", "—")] + codes.EDUCATIONS, required=False)
    occupation = forms.ChoiceField(label=_("职业类别"), choices=[("", "—")] + codes.OCCUPATIONS, required=False)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    is_hardship = forms.BooleanField(label=_("困难党员"), required=False)
    flow_place = forms.CharField(label=_("流动去向"), max_length=120, required=False, help_text=_("流动党员必填：外出地点、单位"))
    flow_contact = forms.CharField(label=_("流动期间联系方式"), max_length=120, required=False)

    def __init__(self, *args, org_queryset, current_status=None, **kwargs):
        super().__init__(*args, **kwargs)
        if current_status in BY_STATUS_CHANGE_ONLY:
            # Shown, not changed here: the field keeps the member's status (a disabled field submits its initial).
            field = self.fields["status"]
            field.choices, field.disabled = MemberStatus.choices, True
            field.help_text = _("该党员为“{status}”：恢复党籍或更正请在党员页面“党员历程”中办理党籍变动").format(
                status=MemberStatus(current_status).label)
        # The fields keep existing organizations of their kinds; the rest of the scope names the parent path.
        self.fields["organization"].queryset = org_queryset
        self.fields["party_group"].queryset = org_queryset


class CommitteePostForm(forms.Form):
    """添加班子成员 (the committee of an organization; the member is looked up in the registry)."""

    member_id_or_name = forms.CharField(label=_("任职党员（姓名或身份证号）"), max_length=60,
                                        help_text=_("身份证号需完整输入（18位）；姓名可输入全名"))
    post = forms.ChoiceField(label=_("职务"), choices=CommitteePost.Post.choices)
    term_start = forms.DateField(label=_("任职开始"), widget=DATE)
    term_end = forms.DateField(label=_("任职结束"), widget=DATE, required=False)
