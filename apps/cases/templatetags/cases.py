from django import template

from apps.cases import states
from apps.cases.publish import public_text
from apps.cases.timeline import describe

register = template.Library()


@register.filter
def masked(text):
    """Text for public pages: phone and ID numbers in it masked."""
    return public_text(text)


@register.filter
def hours(value):
    """Hours as 3.5小时 or 2.1天 for long ones; — when there is nothing to show."""
    if value is None:
        return "—"
    from django.utils.translation import gettext as _

    if value >= 48:
        return _("{n}天").format(n=f"{value / 24:.1f}")
    return _("{n}小时").format(n=f"{value:.1f}")


@register.filter
def place(org):
    """The place an area organization stands for (李渡街道山仑社区党支部 → 李渡街道山仑社区)."""
    from apps.cases.areas import place_name

    return place_name(org)


@register.simple_tag
def ranking_min_cases():
    """CASE_RANKING_MIN_CASES, for the definitions under every ranking table (staff and public)."""
    from django.conf import settings

    return settings.CASE_RANKING_MIN_CASES


@register.filter
def event_message(event):
    """What the system says of a step of the timeline, in the reader's language (written text — a note, a reason, an
    answer — is the event's `text`, as its author wrote it)."""
    return describe(event)


@register.filter
def status_badge(status):
    """The badge colour of a case status (apps.cases.states.BADGES)."""
    return states.badge(status)
