from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from apps.access import policy
from apps.ballots.scopes import SURVEY_RUN

from . import selectors


@login_required
def home(request):
    user = request.user
    if not policy.has_capability(user, policy.ORG_VIEW):
        if policy.is_member_self_service(user):
            return redirect("members:me")
        if policy.has_capability(user, policy.CASE_VIEW):
            return redirect("cases:list")
        if policy.has_capability(user, policy.AUDIT_VIEW):
            return redirect("audit:list")
        if policy.has_capability(user, policy.SYSTEM_MANAGE):
            return redirect("accounts:users")
        if policy.has_capability(user, SURVEY_RUN):  # the external evaluator: the surveys are their whole platform
            return redirect("ballots:survey_list")
        return render(request, "dashboards/no_role.html", status=403)
    roots = selectors.home_roots(user)
    reminders = selectors.term_reminders(user)
    return render(request, "dashboards/home.html", {
        "summaries": selectors.org_summaries(roots), "reminders": reminders[:10], "reminder_count": reminders.count(),
        "section": "home", "org_life": selectors.org_life(user, roots), "cases": selectors.case_figures(user)})
