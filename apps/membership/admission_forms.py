"""Forms of admission: the application (step 1) and one form per further step, its fields those the step needs
(people, 公示, training, votes, the outcome). The services judge the rules; the forms only parse."""

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.access import policy
from apps.core import codes
from apps.members.models import CURRENT_STATUSES, Member, MemberCategory

from . import admission_rules as rules
from .admission_models import StepOutcome

DATE = forms.DateInput(attrs={"type": "date"})
# The branch's full members to pick from: a taller list, and how to pick more than one.
PEOPLE = forms.SelectMultiple(attrs={"size": 8})
PICK_SEVERAL = _("可选多人：电脑上按住 Ctrl 键（Mac 为 ⌘ 键）逐个点选；手机上直接勾选")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class DocumentsField(forms.FileField):
    """Several files from one input; the services check each (type, content, size)."""

    widget = MultipleFileInput()

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        if len(files) > 10:
            raise forms.ValidationError(_("一次最多上传10个文件"))
        return [super(DocumentsField, self).clean(f, initial) for f in files]


class ApplicantForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("所在党支部"), queryset=None)
    name = forms.CharField(label=_("姓名"), max_length=60)
    id_number = forms.CharField(label=_("身份证号"), max_length=18)
    ethnicity = forms.ChoiceField(label=_("民族"), choices=codes.ETHNICITIES, initial="01", required=False)  # 01 if none
    education = forms.ChoiceField(label=_("学历"), choices=[("", "—")] + codes.EDUCATIONS, required=False)
    unit = forms.CharField(label=_("工作单位及职务"), max_length=120, required=False)
    applied_on = forms.DateField(label=_("收到入党申请书日期"), widget=DATE)
    note = forms.CharField(label=_("情况说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


# The fields each step asks for, beyond the date, the note and the documents.
STEP_EXTRA = {
    2: ("talk_partner",),
    3: ("publicity_from",),
    5: ("contacts",),
    7: ("publicity_from",),
    9: ("introducers",),
    11: ("training_days", "training_hours"),
    12: ("publicity_from",),
    15: ("entitled", "present", "votes_for", "votes_against", "votes_abstain"),
    17: ("extended",),
    23: ("publicity_from", "entitled", "present", "votes_for", "votes_against", "votes_abstain"),
    24: ("extended", "outcome", "extension_months"),
}


def _count(label):
    return forms.IntegerField(label=label, min_value=0, max_value=100000)


class StepForm(forms.Form):
    done_on = forms.DateField(label=_("日期"), widget=DATE)
    talk_partner = forms.ModelChoiceField(label=_("谈话人"), queryset=Member.objects.none())
    contacts = forms.ModelMultipleChoiceField(label=_("培养联系人（1至2名正式党员）"), queryset=Member.objects.none(),
                                              help_text=PICK_SEVERAL, widget=PEOPLE)
    introducers = forms.ModelMultipleChoiceField(label=_("入党介绍人（2名正式党员）"), queryset=Member.objects.none(),
                                                 help_text=PICK_SEVERAL, widget=PEOPLE)
    publicity_from = forms.DateField(label=_("公示开始日期"), widget=DATE)
    training_days = forms.IntegerField(label=_("培训天数"), min_value=0, max_value=365, required=False)
    training_hours = forms.IntegerField(label=_("培训学时"), min_value=0, max_value=10000, required=False)
    entitled = _count(_("应到会有表决权的正式党员"))
    present = _count(_("实到会有表决权的正式党员"))
    votes_for = _count(_("赞成"))
    votes_against = _count(_("反对"))
    votes_abstain = _count(_("弃权"))
    extended = forms.BooleanField(label=_("经批准延长审批期限（最长6个月）"), required=False)
    outcome = forms.ChoiceField(label=_("审批结果"), choices=StepOutcome.choices)
    extension_months = forms.IntegerField(label=_("延长预备期（月）"), required=False,
                                          min_value=rules.EXTENSION_MIN_MONTHS, max_value=rules.EXTENSION_MAX_MONTHS)
    note = forms.CharField(label=_("情况说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    documents = DocumentsField(label=_("材料（图片、PDF、Word、Excel）"), required=False)

    def __init__(self, *args, number, applicant, user, **kwargs):
        super().__init__(*args, **kwargs)
        keep = {"done_on", "note", "documents", *STEP_EXTRA.get(number, ())}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        # The people are the branch's current full members (in the user's scope).
        people = (policy.restrict(Member, user).filter(organization=applicant.organization, status__in=CURRENT_STATUSES,
                                                       category=MemberCategory.FULL).order_by("name_pinyin"))
        for name in ("talk_partner", "contacts", "introducers"):
            if name in self.fields:
                self.fields[name].queryset = people


class QuotaForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("党组织"), queryset=None)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    quota = forms.IntegerField(label=_("计划发展数"), min_value=0, max_value=100000)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class BookRangeForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("党组织"), queryset=None)
    prefix = forms.CharField(label=_("编号前缀"), max_length=20, required=False)
    first = forms.IntegerField(label=_("起始号"), min_value=1, max_value=999999999)
    last = forms.IntegerField(label=_("终止号"), min_value=1, max_value=999999999)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
