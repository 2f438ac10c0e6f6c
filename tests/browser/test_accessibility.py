"""Accessibility (WCAG 2.0/2.1 A and AA, GB/T 37668-2019) checked by axe-core on the main pages of every kind of
user — staff, member, public — on a desktop and at phone width. A page fails on any critical or serious violation."""

import pytest

from .axe import audit, blocking, describe

PUBLIC = ["/accounts/login/", "/report/", "/report/track/", "/report/cases/", "/report/rankings/", "/stars/",
          "/publicity/", "/results/", "/honours/", "/funds/", "/vote/"]
STAFF = {
    "district_admin": ["/", "/orgs/", "/orgs/terms/", "/members/", "/members/new/", "/members/import/", "/records/",
                       "/records/new/", "/records/compliance/", "/records/due/", "/records/calendar/",
                       "/records/attendance/", "/records/attendance/follow-up/", "/records/types/",
                       "/records/stars/manage/", "/evaluations/", "/cases/", "/cases/new/", "/cases/rankings/",
                       "/cases/settings/", "/assessment/", "/assessment/groups/", "/assessment/catalogue/",
                       "/assessment/rounds/", "/accounts/profile/", "/accounts/users/", "/ballots/", "/dues/",
                       "/membership/admission/", "/membership/admission/dashboard/", "/membership/admission/rules/",
                       "/membership/transfers/", "/membership/letters/", "/membership/flows/",
                       "/membership/flows/follow-up/", "/membership/status-changes/"],
    "secretary": ["/", "/records/", "/records/new/", "/members/", "/cases/"],
    "member": ["/", "/members/me/", "/records/mine/"],
    "dispatcher": ["/", "/cases/"],
    "auditor": ["/", "/audit/"],
}


def _details():
    """One of each detail page the district administrator sees (an organization, a member, a record, a case)."""
    from apps.cases.models import Case
    from apps.members.models import Member
    from apps.orgs.models import Organization
    from apps.records.models import ActivityRecord as Record

    org = Organization.objects.filter(depth=3, is_active=True).order_by("path").first()
    return [f"/orgs/{org.pk}/", f"/members/{Member.objects.order_by('pk').first().pk}/",
            f"/records/{Record.objects.order_by('-pk').first().pk}/", f"/cases/{Case.objects.order_by('-pk').first().pk}/"]


def _survey(page, login, user=None):
    found = {}
    if user:
        login(page, user)
    urls = STAFF[user] if user else PUBLIC
    if user == "district_admin":
        urls = [*urls, *_details()]
    for url in urls:
        page.goto(url)
        _check(page, found, f"{user or 'public'} {url}")
    return found


def _check(page, found, label):
    bad = blocking(audit(page))
    if bad:
        found[label] = describe(bad)


def test_forms_with_errors_have_no_serious_violations(demo, page, login):
    """A form sent empty shows its errors: the error state is checked too (public report, staff record entry)."""
    found = {}
    page.goto("/report/")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    _check(page, found, "public /report/ (errors)")
    login(page, "secretary")
    page.goto("/records/new/")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    _check(page, found, "secretary /records/new/ (errors)")
    assert not found, "\n\n".join(f"{k}\n{v}" for k, v in found.items())


@pytest.mark.parametrize("user", [None, *STAFF])
def test_pages_have_no_serious_violations(demo, page, login, user):
    found = _survey(page, login, user)
    assert not found, "\n\n".join(f"{k}\n{v}" for k, v in found.items())


@pytest.mark.parametrize("user", [None, "district_admin", "member"])
def test_pages_have_no_serious_violations_at_phone_width(demo, phone_page, login, user):
    found = _survey(phone_page, login, user)
    assert not found, "\n\n".join(f"{k}\n{v}" for k, v in found.items())
