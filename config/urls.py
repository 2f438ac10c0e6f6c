from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", include("apps.core.urls")),
    path("", include("apps.dashboards.urls")),
    # Browsers ask for /favicon.ico whatever a page links: send them to the static icon (no 404 in the logs).
    path("favicon.ico", RedirectView.as_view(url=settings.STATIC_URL + "favicon.ico", permanent=False),
         name="favicon"),
    path("accounts/", include("apps.accounts.urls")),
    path("orgs/", include("apps.orgs.urls")),
    path("orgs/", include("apps.members.committee_urls")),  # 添加班子成员: looks members up, so served by members
    path("members/", include("apps.members.urls")),
    path("records/", include("apps.records.urls")),
    path("stars/", include("apps.records.public_urls")),
    path("audit/", include("apps.dashboards.audit_urls")),
    path("evaluations/", include("apps.evaluations.urls")),
    path("cases/", include("apps.cases.urls")),
    path("report/", include("apps.cases.public.urls")),
    path("assessment/", include("apps.assessment.urls")),
    path("ballots/", include("apps.ballots.urls")),
    path("vote/", include("apps.ballots.vote_urls")),
    path("publicity/", include("apps.ballots.public_urls")),
    path("honours/", include("apps.assessment.honour_public_urls")),
    path("results/", include("apps.assessment.public_urls")),
    path("dues/", include("apps.dues.urls")),
    path("funds/", include("apps.dues.fund_public_urls")),
    path("membership/", include("apps.membership.urls")),
    path("api/", include("config.api_urls")),
    path("open311/", include("apps.cases.open311.urls")),
    path("system/admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

handler400 = "apps.core.errors.bad_request"
handler403 = "apps.core.errors.permission_denied"
handler404 = "apps.core.errors.page_not_found"
handler500 = "apps.core.errors.server_error"
