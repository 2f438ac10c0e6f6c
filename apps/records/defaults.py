"""The activity types of rules.md §3 with their default required frequencies (the district may change
them on the 活动类型与频次 page)."""

DEFAULTS = [
    # code, name, frequency, applies_to, roster, due_day, warn_days, lecturer, content items, may vote
    ("party_congress", "支部党员大会", "quarterly", "branches", "members", None, 15, False, False, True),
    ("committee_meeting", "支部委员会", "monthly", "branches_with_committee", "committee", None, 7, False, False, True),
    ("group_meeting", "党小组会", "monthly", "groups", "members", None, 7, False, False, False),
    ("party_lecture", "党课", "quarterly", "branches", "members", None, 15, True, False, False),
    # 主题党日 on a fixed day each month (the seeds' district fixed the 10th); warned from the 8th.
    ("theme_day", "主题党日", "monthly", "branches", "members", 10, 2, False, True, False),
    ("life_meeting", "组织生活会", "yearly", "branches", "members", None, 30, False, False, False),
    ("member_evaluation", "民主评议党员", "yearly", "branches", "members", None, 30, False, False, True),
    ("other", "其他活动", "none", "branches", "members", None, 7, False, False, False),
]


def ensure_default_types(model=None):
    """Create the default types that are missing (by code); existing ones are left as the district set them."""
    if model is None:
        from .models import ActivityType as model
    for order, (code, name, freq, applies, roster, due_day, warn, lecturer, items, vote) in enumerate(DEFAULTS, start=1):
        model.objects.get_or_create(code=code, defaults={
            "name": name, "frequency": freq, "applies_to": applies, "roster": roster, "due_day": due_day,
            "warn_days": warn, "needs_lecturer": lecturer, "has_content_items": items, "may_vote": vote,
            "sort_order": order * 10,
        })
