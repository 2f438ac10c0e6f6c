"""Forms of 三述一评's reports: the values are checked again by report_services (the forms give the 400 page its
messages). Attachments come from request.FILES ("files", several) and are checked by the service."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .report_models import COMMENT_MAX, REPORT_MAX


class ReportForm(forms.Form):
    text = forms.CharField(label=_("报告内容"), max_length=REPORT_MAX, strip=True,
                           widget=forms.Textarea(attrs={"rows": 16, "class": "form-control"}),
                           error_messages={"required": _("请填写报告内容"),
                                           "max_length": _("报告内容不能超过%(limit_value)d个字符")})


class CommentForm(forms.Form):
    text = forms.CharField(label=_("点评内容"), max_length=COMMENT_MAX, strip=True,
                           widget=forms.Textarea(attrs={"rows": 5, "class": "form-control"}),
                           error_messages={"required": _("请填写点评内容"),
                                           "max_length": _("点评内容不能超过%(limit_value)d个字符")})
