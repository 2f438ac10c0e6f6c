from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.access import policy
from apps.orgs.picker import OrgChoiceField

from .models import Grade, PeerRating
from .rules import FIRST_YEAR
from .services import SELF_EVALUATION_MAX_CHARS


def default_year():
    """The year being evaluated: 民主评议 is usually held at the turn of the year, so early in a year it
    is the evaluation of the year just ended."""
    today = timezone.localdate()
    return today.year - 1 if today.month <= 3 else today.year


class EvaluationOpenForm(forms.Form):
    # The organization picker (apps.orgs.picker): branches where the user manages organization life, by name,
    # pinyin or code, each with its parent path (a select listed every branch of a district, namesakes alike).
    organization = OrgChoiceField(label=_("党支部"), capability=policy.RECORD_MANAGE, kinds="branch",
                                  error_messages={"invalid_choice": _("未找到该党支部，或您无权在该党支部开展评议")})
    year = forms.IntegerField(label=_("评议年度"), min_value=FIRST_YEAR,
                              error_messages={"invalid": _("请输入年份，如 2025")})

    def __init__(self, *args, scope, **kwargs):
        """`scope`: the organizations where the user manages organization life (the field keeps the branches)."""
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = scope
        self.fields["year"].widget.attrs.update({"min": FIRST_YEAR, "max": timezone.localdate().year})

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year > timezone.localdate().year:
            raise forms.ValidationError(gettext("不能开展未来年度的评议"))
        return year


class SelfEvaluationForm(forms.Form):
    text = forms.CharField(label=_("个人自评"), max_length=SELF_EVALUATION_MAX_CHARS,
                           widget=forms.Textarea(attrs={"rows": 8, "class": "form-control"}),
                           help_text=_("对照党员标准，从理想信念、政治纪律、发挥作用等方面总结本年度表现，查找不足"))


class PeerRatingForm(forms.Form):
    ratee = forms.IntegerField(widget=forms.HiddenInput, error_messages={"invalid": _("被评议人无效")})
    grade = forms.ChoiceField(label=_("建议等次"), choices=[("", _("请选择"))] + Grade.choices,
                              widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    comment = forms.CharField(label=_("评议意见"), required=False,
                              max_length=PeerRating._meta.get_field("comment").max_length,
                              widget=forms.TextInput(attrs={"class": "form-control form-control-sm",
                                                            "placeholder": _("评议意见（选填）")}))


class GradesForm(forms.Form):
    """One grade select per graded participant of an open evaluation (field "grade_<participant id>")."""

    def __init__(self, *args, participants, **kwargs):
        super().__init__(*args, **kwargs)
        self.participant_ids = [p.pk for p in participants if p.is_graded]
        for p in participants:
            if p.is_graded:
                self.fields[self.field_name(p)] = forms.ChoiceField(
                    label=p.member.name, required=False, initial=p.grade, choices=[("", _("未评定"))] + Grade.choices,
                    widget=forms.Select(attrs={"class": "form-select form-select-sm", "aria-label": p.member.name}))

    @staticmethod
    def field_name(participant):
        return f"grade_{participant.pk}"

    def bound_field_for(self, participant):
        name = self.field_name(participant)
        return self[name] if name in self.fields else None

    def grades(self) -> dict:
        return {pk: self.cleaned_data[f"grade_{pk}"] for pk in self.participant_ids}
