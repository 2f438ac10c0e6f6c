from django import forms, template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def bootstrap(form):
    """Give every widget of a form its Bootstrap class (and is-invalid when it has errors)."""
    for name, field in form.fields.items():
        widget = field.widget
        css = "form-check-input" if isinstance(widget, forms.CheckboxInput) else (
            "form-select" if isinstance(widget, forms.Select) else "form-control")
        if form.is_bound and name in form.errors:
            css += " is-invalid"
        widget.attrs["class"] = css
    return form


@register.simple_tag(takes_context=True)
def query_with(context, **kwargs):
    """The current query string with some parameters replaced (paging links keep filters)."""
    params = context["request"].GET.copy()
    for key, value in kwargs.items():
        params[key] = value
    return params.urlencode()


@register.filter
def percent(value, digits=0):
    """0.853 → "85%" (or "85.3%" with digits=1); "—" when there is no rate."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{int(digits)}f}%"


@register.filter
def dictget(mapping, key):
    """mapping[key] in a template, or None."""
    return mapping.get(key) if mapping else None


@register.filter
def thousands(value):
    """63000 → "63,000": grouped the same way in every language (Django's zh-hans format has no thousands
    separator, so humanize's intcomma would print 63000); anything not a number is shown as it is."""
    if value is None or value == "" or isinstance(value, bool):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    if number.is_integer() and "." not in str(value):
        return f"{int(number):,}"
    return f"{number:,}"


@register.filter
def error_summary(form):
    """[(anchor id or "", label, message)] of every error of a bound form, in field order: non-field errors first, then
    each field's (errors added under a name that is no field, e.g. "area", are listed without a link). Takes a formset
    too."""
    if isinstance(form, forms.BaseFormSet):
        # A formset: its own errors (and those a service raised after it validated, which the view sets as
        # service_errors), then each form's.
        if not form.is_bound:
            return []
        items = [("", "", e) for e in [*form.non_form_errors(), *getattr(form, "service_errors", ())]]
        for each in form.forms:
            items.extend(error_summary(each))
        return items
    if form is None or not getattr(form, "errors", None):
        return []
    items = [("", "", e) for e in form.non_field_errors()]
    for name, errors in form.errors.items():
        if name == forms.forms.NON_FIELD_ERRORS:
            continue
        field = form.fields.get(name)
        anchor = ""
        if field is not None and not field.widget.is_hidden:
            bound = form[name]
            # A group of radios or checkboxes: the link goes to its first option (Django's and the hand-written ones
            # are "<id>_0"), which can take the focus.
            anchor = f"{bound.auto_id}_0" if bound.use_fieldset and bound.auto_id else bound.auto_id
        label = (field.label if field is not None else "") or ""
        items.extend((anchor, label, e) for e in errors)
    return items


@register.simple_tag
def field_aria(field, *extra_ids, help=False):
    """aria-invalid and aria-describedby for a control written by hand (not rendered with {{ field }}): what Django's
    widgets carry by themselves, pointing at field_errors.html ("<id>_error") and, with help=True (the template renders
    the help text with id "<id>_helptext"), at the help text; extra_ids (a hint of the template's own) come first."""
    ids = [i for i in extra_ids if i]
    if help and field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    if field.errors:
        ids.append(f"{field.auto_id}_error")
    html = ' aria-invalid="true"' if field.errors else ""
    if ids:
        html += format_html(' aria-describedby="{}"', " ".join(ids))
    return mark_safe(html)  # built from constants and format_html
