"""Shared pieces of the REST layer."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers


def as_drf_error(exc: DjangoValidationError) -> serializers.ValidationError:
    """A service's ValidationError (messages in Chinese) as a DRF 400 with field-level messages."""
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError(exc.message_dict)
    return serializers.ValidationError({"non_field_errors": exc.messages})
