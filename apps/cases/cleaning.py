"""Plain-text and phone-number cleaning shared by intake and the handling steps (what every channel and every step
accepts as text)."""

import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")
# Control characters, and what XML 1.0 cannot carry (the Open311 feed is XML too).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean_text(value, max_length, *, field_name, required=True, label=None):
    """Plain text: HTML tags dropped, control characters removed, lines trimmed; ValidationError when empty or long."""
    text = _CONTROL.sub("", strip_tags(str(value or "")))
    text = "\n".join(line.strip() for line in text.replace("\r\n", "\n").split("\n")).strip()
    text = re.sub(r"\n{3,}", "\n\n", text)
    if required and not text:
        raise ValidationError({field_name: _("请填写{label}").format(label=label or _("内容"))})
    if len(text) > max_length:
        raise ValidationError({field_name: _("{label}不能超过{n}个字（现有{m}个字）").format(
            label=label or _("内容"), n=max_length, m=len(text))})
    return text


def check_description_length(text) -> str:
    """A description must say something: at least CASE_DESCRIPTION_MIN_CHARS characters, whitespace not counted,
    whoever enters it (public form, Open311, staff intake)."""
    n = settings.CASE_DESCRIPTION_MIN_CHARS
    if len(re.sub(r"\s", "", text)) < n:
        raise ValidationError({"description": _("问题描述太短：请至少写{n}个字，说明发生了什么、在哪里").format(n=n)})
    return text


def clean_phone(value, *, required=True) -> str:
    phone = unicodedata.normalize("NFKC", str(value or ""))
    phone = re.sub(r"[\s\-()（）]", "", phone)
    phone = re.sub(r"^(\+86|0086)", "", phone)
    if not phone:
        if required:
            raise ValidationError({"phone": _("请填写联系电话，以便办理后回访")})
        return ""
    if not (_MOBILE.match(phone) or _LANDLINE.match(phone)):
        raise ValidationError({"phone": _("联系电话格式不正确：请填写11位手机号或带区号的固定电话")})
    return phone
