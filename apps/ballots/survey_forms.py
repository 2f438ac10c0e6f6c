"""Forms of the resident survey's pages: the values are checked again by the services (the forms give the 400 page its
messages). Text is refused with control characters (NUL above all) here already."""

import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.orgs.picker import OrgChoiceField

from .models import ItemKind
from .scopes import SURVEY_RUN

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
PHONES_MAX = 2000


def _no_controls(value, allowed=""):
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in allowed for ch in value or ""):
        raise forms.ValidationError(_("含有不允许的字符"))
    return value


class SurveyForm(forms.Form):
    title = forms.CharField(label=_("名称"), max_length=100)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100,
                              error_messages={"min_value": _("年度应在2000至2100之间"), "max_value": _("年度应在2000至2100之间"),
                                              "invalid": _("请填写数字")})
    organization = OrgChoiceField(label=_("组织单位"), capability=SURVEY_RUN, kinds="nongroup",
                                  help_text=_("测评的村（社区）须在该组织范围内，一般为区委"))
    opens_at = forms.DateTimeField(label=_("测评开始"), required=False, widget=DATETIME, input_formats=DATETIME_FORMATS,
                                   error_messages={"invalid": _("请填写正确的日期和时间")})
    closes_at = forms.DateTimeField(label=_("测评截止"), required=False, widget=DATETIME, input_formats=DATETIME_FORMATS,
                                    error_messages={"invalid": _("请填写正确的日期和时间")})
    note = forms.CharField(label=_("说明"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}))

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = orgs

    def clean_title(self):
        return _no_controls(self.cleaned_data["title"])

    def clean_note(self):
        return _no_controls(self.cleaned_data["note"], "\n\r\t")

    def clean(self):
        data = super().clean()
        if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
            self.add_error("closes_at", _("截止时间应晚于开始时间"))
        return data


class SubjectsForm(forms.Form):
    """One village or community, or every village and community under an organization."""

    organization = OrgChoiceField(label=_("村（社区）或其上级组织"), capability=SURVEY_RUN, kinds="nongroup")
    whole = forms.BooleanField(label=_("添加该组织下的全部村和社区"), required=False)

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = orgs


class ItemForm(forms.Form):
    text = forms.CharField(label=_("测评内容"), max_length=200)
    kind = forms.ChoiceField(label=_("题型"), choices=ItemKind.choices, initial=ItemKind.RATING)

    def clean_text(self):
        return _no_controls(self.cleaned_data["text"])


class SubjectChoiceForm(forms.Form):
    """A village of this survey (batches, phones)."""

    subject = forms.ModelChoiceField(label=_("村（社区）"), queryset=None, empty_label=None,
                                     error_messages={"invalid_choice": _("请选择本测评的村（社区）")})

    def __init__(self, *args, subjects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = subjects


class BatchForm(SubjectChoiceForm):
    size = forms.IntegerField(label=_("本批数量"), min_value=1, max_value=2000, initial=50,
                              error_messages={"min_value": _("每批数量应在1至2000之间"),
                                              "max_value": _("每批数量应在1至2000之间"), "invalid": _("请填写数字")})


class PhonesForm(SubjectChoiceForm):
    numbers = forms.CharField(label=_("电话号码"), max_length=PHONES_MAX * 20,
                              widget=forms.Textarea(attrs={"rows": 8, "class": "form-control", "inputmode": "tel"}),
                              help_text=_("每行一个号码，也可用逗号或空格分隔；已导入的号码自动跳过"))

    def clean_numbers(self):
        raw = _no_controls(self.cleaned_data["numbers"], "\n\r\t")
        numbers = [n for n in raw.replace(",", " ").replace("，", " ").replace("、", " ").split() if n]
        if not numbers:
            raise forms.ValidationError(_("请填写电话号码"))
        if len(numbers) > PHONES_MAX:
            raise forms.ValidationError(_("一次最多导入{n}个号码").format(n=PHONES_MAX))
        return numbers


class PaperForm(forms.Form):
    """One paper answer sheet: its code, then a grade per rating question (typed as its number: 1 满意, 2 基本满意 …)
    and the free-text answers. Built for the keyboard: type, Tab, type, Enter."""

    code = forms.CharField(label=_("测评码"), max_length=32,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                                         "spellcheck": "false", "autofocus": True}))

    def __init__(self, *args, poll, **kwargs):
        super().__init__(*args, **kwargs)
        self.poll = poll
        labels = poll.scale_labels()
        legend = "，".join(f"{n} {label}" for n, label in enumerate(labels, start=1))
        self.rating_items, self.text_items = [], []
        for item in poll.items.all():
            name = f"item_{item.pk}"
            if item.kind == ItemKind.RATING:
                self.fields[name] = forms.IntegerField(
                    label=item.text, min_value=1, max_value=len(labels), help_text=legend,
                    widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": "1", "size": "2",
                                                  "pattern": f"[1-{len(labels)}]", "autocomplete": "off"}),
                    error_messages={"required": _("请填写等次"), "invalid": _("请填写等次的序号"),
                                    "min_value": _("等次序号应在1至{n}之间").format(n=len(labels)),
                                    "max_value": _("等次序号应在1至{n}之间").format(n=len(labels))})
                self.rating_items.append(item)
            else:
                self.fields[name] = forms.CharField(label=item.text, max_length=1000, required=False,
                                                    widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))
                self.text_items.append(item)

    def clean_code(self):
        return _no_controls(self.cleaned_data["code"])

    def clean(self):
        data = super().clean()
        for item in self.text_items:
            name = f"item_{item.pk}"
            if data.get(name):
                try:
                    _no_controls(data[name], "\n\r\t")
                except forms.ValidationError as exc:
                    self.add_error(name, exc)
        return data

    def answers(self, subject_id):
        """(ratings, texts) keyed "subject:item" as the services take them (a grade as its index in the scale)."""
        data = self.cleaned_data
        ratings = {f"{subject_id}:{i.pk}": data[f"item_{i.pk}"] - 1 for i in self.rating_items}
        texts = {f"{subject_id}:{i.pk}": data.get(f"item_{i.pk}") or "" for i in self.text_items}
        return ratings, texts
