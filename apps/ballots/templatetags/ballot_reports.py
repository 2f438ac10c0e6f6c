"""`{% load ballot_reports %}`: a subject's reports in the order 述职, 述学, 述廉 with the missing ones (for
ballots/reports/summary.html; load the subjects with report_selectors.with_reports)."""

from django import template

from apps.ballots import report_selectors

register = template.Library()


@register.filter
def report_rows(subject):
    """(kind, label, report or None) for 述职, 述学, 述廉."""
    return report_selectors.report_rows(subject)


@register.filter
def leader_comment(subject):
    return report_selectors.leader_comment(subject)
