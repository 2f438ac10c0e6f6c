"""Form helpers shared by the apps' views."""

from django.core.exceptions import ValidationError


def apply_validation_error(form, exc: ValidationError):
    """Put a service's ValidationError on the form: field errors on their fields, the rest on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def submit(form, action):
    """Validate a bound form and run `action(cleaned_data)` (one service call).

    Returns the action's result (True when it returns nothing), or None when the form is
    unbound, invalid, or the service refused the data — its messages are then on the form.
    """
    if not form.is_bound or not form.is_valid():
        return None
    try:
        result = action(form.cleaned_data)
    except ValidationError as exc:
        apply_validation_error(form, exc)
        return None
    return True if result is None else result


def apply_refusal(request, form, exc: ValidationError):
    """A service's refusal of a step: errors about the form's fields go on its fields, the rest on top of the page
    (Django messages), where they are seen even when the step's form is no longer shown."""
    from django.contrib import messages

    fields = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, errors in fields.items():
        if form is not None and field in form.fields:
            form.add_error(field, errors)
        else:
            for message in errors:
                messages.error(request, message)
