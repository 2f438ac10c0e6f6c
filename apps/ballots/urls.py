"""Staff pages of 民主测评与问卷 under /ballots/: one module per surface (polls: set-up, steps, codes, results;
reports: 三述 and the leader's comment; surveys: the runner's pages, the external evaluator's whole platform)."""

from django.urls import include, path

app_name = "ballots"

urlpatterns = [
    path("", include("apps.ballots.poll_urls")),
    path("reports/", include("apps.ballots.report_urls")),
    path("surveys/", include("apps.ballots.survey_urls")),
]
