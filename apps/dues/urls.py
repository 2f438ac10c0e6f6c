from django.urls import path  # noqa: F401

from . import fund_views

app_name = "dues"
urlpatterns = [
    # standards and hardship decisions (standard_views.py)
    # payments, the monthly sheet, arrears, a member's own dues (payment_views.py)
    # remittances, reconciliation, closed months, statements, the summary (book_views.py)
    # the care fund (fund_views.py)
    path("funds/", fund_views.fund_list, name="funds"),
    path("funds/new/", fund_views.fund_open, name="fund_open"),
    path("funds/<int:pk>/", fund_views.fund_detail, name="fund"),
    path("funds/<int:pk>/entries/new/", fund_views.entry_create, name="fund_entry_create"),
    path("funds/<int:pk>/kinds/", fund_views.kind_options, name="fund_kinds"),
    path("funds/<int:pk>/members/", fund_views.member_search, name="fund_member_search"),
    path("funds/<int:pk>/report/", fund_views.report, name="fund_report"),
    path("funds/<int:pk>/report.xlsx", fund_views.report_export, name="fund_report_export"),
    path("funds/<int:pk>/beneficiaries/", fund_views.beneficiary_list, name="fund_beneficiaries"),
    path("funds/entries/<int:pk>/", fund_views.entry_detail, name="fund_entry"),
    path("funds/entries/<int:pk>/approve/", fund_views.entry_approve, name="fund_entry_approve"),
    path("funds/entries/<int:pk>/reject/", fund_views.entry_reject, name="fund_entry_reject"),
    path("funds/entries/<int:pk>/reverse/", fund_views.entry_reverse, name="fund_entry_reverse"),
]
