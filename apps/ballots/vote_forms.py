"""Forms of the voting pages and the 公示: the code, the ballot (built from the poll: per subject, per item), a
resident's phone answer, an objection. The services check every value again (the forms give the 400 page its
messages)."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.core.lookups import parse_pk

from .models import ItemKind
from .services import COMMENT_MAX, NOTE_MAX

CODE_ATTRS = {"autocomplete": "off", "autocapitalize": "characters", "autocorrect": "off", "spellcheck": "false",
              "class": "form-control form-control-lg text-uppercase vote-code", "maxlength": "12"}


class PollField(forms.CharField):
    """A poll's number carried in a hidden field: an int or None (a stranger value is no poll)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=20, **kwargs)

    def clean(self, value):
        return parse_pk(super().clean(value))


class CodeForm(forms.Form):
    code = forms.CharField(label=_("测评码"), max_length=32, widget=forms.TextInput(attrs=CODE_ATTRS),
                           help_text=_("测评码共8位，由字母和数字组成，见测评码条或“我的测评码”页面；不区分大小写"),
                           error_messages={"required": _("请填写测评码"), "max_length": _("测评码不正确，请核对后重新输入")})
    poll = PollField()


def _rating_key(subject, item):
    return f"r_{subject.pk}_{item.pk}"


def _text_key(subject, item):
    return f"t_{subject.pk}_{item.pk}"


class AnswersMixin:
    """Rating items as radio buttons of the poll's scale (every one required), text items as text areas."""

    def add_answer_fields(self, poll, subjects, items, *, label_subject=True):
        self.poll, self.subjects, self.items = poll, subjects, items
        choices = [(str(index), label) for index, label in enumerate(poll.scale_labels())]
        for subject in subjects:
            for item in items:
                label = f"{subject.name} · {item.text}" if label_subject else item.text
                if item.kind == ItemKind.RATING:
                    message = gettext("请选择一个等次")  # the summary names the subject and the item (the label)
                    self.fields[_rating_key(subject, item)] = forms.TypedChoiceField(
                        label=label, choices=choices, coerce=int, widget=forms.RadioSelect(attrs={"class": "btn-check"}),
                        error_messages={"required": message, "invalid_choice": message})
                else:
                    self.fields[_text_key(subject, item)] = forms.CharField(
                        label=label, required=False, max_length=COMMENT_MAX,
                        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
                        error_messages={"max_length": gettext("“{item}”不能超过{n}个字符").format(item=item.text, n=COMMENT_MAX)})

    def sections(self):
        """[(subject, [(item, bound field)])] in the poll's order, for the template."""
        return [(s, [(i, self[_rating_key(s, i) if i.kind == ItemKind.RATING else _text_key(s, i)]) for i in self.items])
                for s in self.subjects]

    def answers(self, subjects=None):
        """(ratings, texts) as the services take them ({"subject:item": grade index}, {"subject:item": text}); the
        answers of the first subject given to every subject in `subjects` (a phone answer: the village is the
        phone's)."""
        data = self.cleaned_data
        ratings, texts = {}, {}
        for s in self.subjects:
            for i in self.items:
                targets = subjects if subjects is not None else [s]
                for t in targets:
                    if i.kind == ItemKind.RATING:
                        ratings[f"{t.pk}:{i.pk}"] = data.get(_rating_key(s, i))
                    else:
                        texts[f"{t.pk}:{i.pk}"] = data.get(_text_key(s, i)) or ""
        return ratings, texts

    def service_errors(self, exc):
        """A service's ValidationError on the fields it names ("subject:item"), the rest on top."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for key, messages in exc.message_dict.items():
            name = None
            if key.count(":") == 1:
                subject_id, item_id = key.split(":")
                for prefix in ("r", "t"):
                    candidate = f"{prefix}_{subject_id}_{item_id}"
                    if candidate in self.fields:
                        name = candidate
                if name is None and self.subjects:  # a phone answer: the answers are the first subject's
                    for prefix in ("r", "t"):
                        candidate = f"{prefix}_{self.subjects[0].pk}_{item_id}"
                        if candidate in self.fields:
                            name = candidate
            self.add_error(name, messages)


class BallotForm(AnswersMixin, forms.Form):
    """The ballot of one code: hidden poll and code, the answers for the code's subjects."""

    poll = PollField()
    code = forms.CharField(max_length=32, widget=forms.HiddenInput, required=False)

    def __init__(self, *args, poll, subjects, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_answer_fields(poll, subjects, items)


class PhoneBallotForm(AnswersMixin, forms.Form):
    """A resident on a survey's phone sample: their number and one set of answers (for their own village)."""

    phone = forms.CharField(label=_("手机号码"), max_length=20,
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "class": "form-control"}),
                            help_text=_("请填写接到测评通知的手机号码；您的回答不会与号码关联"),
                            error_messages={"required": _("请填写手机号码"), "max_length": _("电话号码格式不正确")})

    def __init__(self, *args, poll, subject, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_answer_fields(poll, [subject], items, label_subject=False)


class ObjectionForm(forms.Form):
    text = forms.CharField(label=_("异议内容"), max_length=NOTE_MAX,
                           widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
                           error_messages={"required": _("请填写异议内容"),
                                           "max_length": _("异议内容不能超过{n}个字符").format(n=NOTE_MAX)})
    subject = forms.ModelChoiceField(label=_("涉及的测评对象（可不选）"), queryset=None, required=False,
                                     empty_label=_("不针对具体对象"),
                                     widget=forms.Select(attrs={"class": "form-select"}),
                                     error_messages={"invalid_choice": _("请选择本测评的测评对象")})
    contact = forms.CharField(label=_("联系方式（可不填）"), max_length=60, required=False,
                              widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "tel"}),
                              help_text=_("留下电话以便答复；不公开"),
                              error_messages={"max_length": _("联系方式不能超过60个字符")})

    def __init__(self, *args, poll, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = poll.subjects.all()
