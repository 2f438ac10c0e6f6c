from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

REQUIRED_MESSAGE = _("此项为必填项，请填写或选择后再提交。")


class Config(AppConfig):
    verbose_name = _("基础")
    name = "apps.core"
    label = "core"

    def ready(self):
        # One bound on every date that enters, whatever form, filter or serializer reads it: a date field of Django
        # forms (model forms, admin, django-filter's DateFilter) or of DRF refuses years outside
        # MIN_YEAR..MAX_YEAR with a Chinese message, so arithmetic on it cannot overflow (0001-01-01 minus a day,
        # 9999-12-31 plus a day were 500s). Set on the classes because every app's fields derive from them.
        from django import forms
        from rest_framework import serializers

        from .dates import validate_date_in_range

        for field_class in (forms.DateField, forms.DateTimeField, serializers.DateField, serializers.DateTimeField):
            if validate_date_in_range not in field_class.default_validators:
                field_class.default_validators = [*field_class.default_validators, validate_date_in_range]

        # Every required field's message says what to do, not only what is wrong (WCAG 3.3.3); the error summary
        # names the field in front of it. Set on forms.Field: every field class merges it in at __init__.
        forms.Field.default_error_messages = {**forms.Field.default_error_messages, "required": REQUIRED_MESSAGE}

        from .lookups import register

        register()  # `in` with a number beyond 64 bits matches nothing instead of a database error

        from . import checks  # noqa: F401 - registers the system checks for several servers
