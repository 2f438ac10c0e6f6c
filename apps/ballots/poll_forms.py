"""Forms of the polls' staff pages (三述一评, 双向考核): the values are checked again by services.py (the forms give
the 400 page its messages)."""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from apps.orgs.picker import OrgChoiceField

from .models import Channel, ItemKind, PollKind, PollStatus, VoterKind
from .scopes import BALLOT_MANAGE
from .services import NOTE_MAX, TEXT_MAX, TITLE_MAX, VOTERS_MAX

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
# The kinds made on these pages; a resident survey is the runner's (surveys/).
STAFF_KINDS = [(PollKind.SANSHU.value, PollKind.SANSHU.label), (PollKind.TWO_WAY.value, PollKind.TWO_WAY.label)]
# The picker searches where the user manages polls (scopes.py allows it the capability); the queryset (BALLOT_MANAGE
# or the poll's subtree within it) decides what may be chosen.
PICK = BALLOT_MANAGE
YEAR_ERRORS = {"min_value": _("年度应在2000至2100之间"), "max_value": _("年度应在2000至2100之间"), "invalid": _("请填写数字")}
SLOT_ERRORS = {"min_value": format_lazy(_("不记名代表名额应在0至{n}之间"), n=VOTERS_MAX),
               "max_value": format_lazy(_("不记名代表名额应在0至{n}之间"), n=VOTERS_MAX), "invalid": _("请填写数字")}


def _text(label, limit, *, required=True, rows=None, help_text=""):
    widget = forms.Textarea(attrs={"rows": rows}) if rows else None
    return forms.CharField(label=label, max_length=limit, required=required, help_text=help_text, widget=widget,
                           error_messages={"required": format_lazy(_("请填写{label}"), label=label),
                                           "max_length": format_lazy(_("{label}不能超过{n}个字符"), label=label, n=limit)})


class PollEditForm(forms.Form):
    title = _text(_("名称"), TITLE_MAX)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, error_messages=YEAR_ERRORS)
    opens_at = forms.DateTimeField(label=_("测评开始"), widget=DATETIME, required=False,
                                   error_messages={"invalid": _("请填写正确的日期时间")},
                                   help_text=_("不填则从“开始测评”时起"))
    closes_at = forms.DateTimeField(label=_("测评截止"), widget=DATETIME, required=False,
                                    error_messages={"invalid": _("请填写正确的日期时间")},
                                    help_text=_("到时自动结束并计票；不填则手动结束"))
    anonymous_slots = forms.IntegerField(label=_("不记名代表名额"), min_value=0, max_value=VOTERS_MAX, initial=0,
                                         error_messages=SLOT_ERRORS, help_text=_("在名单之外另发的纸质测评码数量"))
    note = _text(_("说明"), NOTE_MAX, required=False, rows=3)

    def clean(self):
        data = super().clean()
        if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
            self.add_error("closes_at", _("截止时间应晚于开始时间"))
        return data


class PollForm(PollEditForm):
    kind = forms.ChoiceField(label=_("类别"), choices=STAFF_KINDS, error_messages={"invalid_choice": _("测评类别不正确")})
    organization = OrgChoiceField(label=_("组织单位"), capability=PICK, kinds="nongroup",
                                  help_text=_("开展测评的党组织：其范围内的党员、下级组织可以参评"))

    field_order = ["kind", "organization", "title", "year", "opens_at", "closes_at", "anonymous_slots", "note"]

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = orgs


class SubjectForm(forms.Form):
    """三述一评: a leader (a member found by name or ID number); 双向考核: an organization (its committee)."""

    member = forms.CharField(label=_("领导干部（姓名或身份证号）"), max_length=60, required=False,
                             help_text=_("本组织范围内的党员；同名时填身份证号"))
    organization = OrgChoiceField(label=_("被测评的组织"), capability=PICK, kinds="nongroup", required=False)
    name = _text(_("测评对象名称"), 100, required=False, help_text=_("不填则用姓名或组织名称"))
    post = _text(_("职务"), 60, required=False)

    def __init__(self, *args, poll, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = orgs
        if poll.kind == PollKind.SANSHU:
            del self.fields["organization"]
        else:
            del self.fields["member"]
            self.fields["organization"].required = True
            self.fields["organization"].error_messages["required"] = _("请选择被测评的组织")


class ItemForm(forms.Form):
    text = _text(_("测评内容"), TEXT_MAX)
    kind = forms.ChoiceField(label=_("题型"), choices=ItemKind.choices, initial=ItemKind.RATING,
                             error_messages={"invalid_choice": _("题型不正确")})


class MembersForm(forms.Form):
    """The current members of an organization in the poll's subtree."""

    organization = OrgChoiceField(label=_("党组织"), capability=PICK, kinds="nongroup",
                                  help_text=_("该组织（含下级）的全部在册党员加入参评名单，已在名单中的跳过"))
    channel = forms.ChoiceField(label=_("参评方式"), choices=Channel.choices, initial=Channel.ONLINE,
                                error_messages={"invalid_choice": _("参评方式不正确")})

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, prefix="members", **kwargs)
        self.fields["organization"].queryset = orgs


class VoterForm(forms.Form):
    """A named invited representative, or a subordinate organization (paper slips)."""

    kind = forms.ChoiceField(label=_("类别"), choices=[(VoterKind.INVITED.value, VoterKind.INVITED.label),
                                                      (VoterKind.ORGANIZATION.value, VoterKind.ORGANIZATION.label)],
                             error_messages={"invalid_choice": _("参评人员类别不正确")})
    name = _text(_("特邀代表姓名"), 100, required=False)
    organization = OrgChoiceField(label=_("下级组织"), capability=PICK, kinds="nongroup", required=False)

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, prefix="voter", **kwargs)
        self.fields["organization"].queryset = orgs

    def clean(self):
        data = super().clean()
        if data.get("kind") == VoterKind.INVITED and not data.get("name"):
            self.add_error("name", _("请填写特邀代表姓名"))
        if data.get("kind") == VoterKind.ORGANIZATION and not data.get("organization") and "organization" not in self.errors:
            self.add_error("organization", _("请选择下级组织"))
        return data


class PublishForm(forms.Form):
    note = _text(_("公示说明"), NOTE_MAX, required=False, rows=3)


class CodeVoidForm(forms.Form):
    code = forms.CharField(label=_("测评码"), max_length=32, error_messages={
        "required": _("请填写要作废的测评码"), "max_length": _("测评码不正确")}, help_text=_("遗失或损毁的纸质测评码"))


class AnswerForm(forms.Form):
    answer = _text(_("处理意见"), NOTE_MAX, rows=3)


class PollFilter(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=[("", _("全部类别")), *PollKind.choices], required=False,
                             error_messages={"invalid_choice": _("类别不正确")})
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False, error_messages=YEAR_ERRORS)
    status = forms.ChoiceField(label=_("状态"), choices=[("", _("全部状态")), *PollStatus.choices], required=False,
                               error_messages={"invalid_choice": _("状态不正确")})
