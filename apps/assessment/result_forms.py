"""The form of publishing a round's results (checked again by result_services)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .result_models import NoteKind, Selection


class PublicationForm(forms.Form):
    kind = forms.ChoiceField(label=_("点评类型"), choices=NoteKind.choices)
    title = forms.CharField(label=_("标题"), max_length=100, required=False, help_text=_("不填则按轮次名称命名"))
    note = forms.CharField(label=_("点评内容"), max_length=5000, widget=forms.Textarea(attrs={"rows": 8}),
                           help_text=_("随结果一同公开发布，请勿填写个人信息"))
    selection = forms.ChoiceField(label=_("公布范围"), choices=Selection.choices, initial=Selection.ALL,
                                  widget=forms.RadioSelect)
    top_n = forms.IntegerField(label=_("前N位"), min_value=1, max_value=100000, required=False,
                               help_text=_("公布范围为“排名前N位”时填写，同分并列的一并公布"),
                               error_messages={"min_value": _("前N位至少为1"), "max_value": _("前N位过大"),
                                               "invalid": _("请填写数字")})
    chosen = forms.CharField(label=_("指定的组织"), required=False, max_length=20000,
                             widget=forms.Textarea(attrs={"rows": 4}),
                             help_text=_("公布范围为“指定的组织”时填写：每行一个组织名称或组织编码"))

    def clean_chosen(self):
        return [line.strip() for line in self.cleaned_data["chosen"].splitlines() if line.strip()]
