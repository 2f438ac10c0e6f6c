from django.urls import path

from . import book_views, fund_views, payment_views, standard_views

app_name = "dues"
urlpatterns = [
    # standards and hardship decisions (standard_views.py)
    path("members/<int:pk>/", standard_views.member_dues, name="member"),
    path("members/<int:pk>/standard/new/", standard_views.standard_new, name="standard_new"),
    path("members/<int:pk>/hardship/new/", standard_views.hardship_new, name="hardship_new"),
    path("standards/import/", standard_views.standard_import, name="standard_import"),
    path("standards/import/template/", standard_views.standard_import_template, name="standard_import_template"),
    path("hardship/", standard_views.hardship_list, name="hardship_list"),
    path("hardship/<int:pk>/agree/", standard_views.hardship_agree, name="hardship_agree"),
    path("hardship/<int:pk>/approve/", standard_views.hardship_approve, name="hardship_approve"),
    path("hardship/<int:pk>/reject/", standard_views.hardship_reject, name="hardship_reject"),
    # payments, the monthly sheet, arrears, a member's own dues (payment_views.py)
    path("sheet/", payment_views.sheet, name="sheet"),
    path("sheet/pay/", payment_views.sheet_pay, name="sheet_pay"),
    path("sheet/batch/", payment_views.sheet_batch, name="sheet_batch"),
    path("sheet/export/", payment_views.sheet_export, name="sheet_export"),
    path("sheet/import/", payment_views.sheet_import, name="sheet_import"),
    path("payments/member/<int:pk>/", payment_views.payment_member, name="payment_member"),
    path("payments/<int:pk>/void/", payment_views.payment_void, name="payment_void"),
    path("arrears/", payment_views.arrears, name="arrears"),
    path("mine/", payment_views.mine, name="mine"),
    # remittances, reconciliation, closed months, statements, the summary (book_views.py)
    path("books/", book_views.books, name="books"),
    path("books/remit/", book_views.remittance_create, name="remit"),
    path("books/remittances/<int:pk>/", book_views.remittance_detail, name="remittance"),
    path("books/remittances/<int:pk>/reverse/", book_views.remittance_reverse, name="remittance_reverse"),
    path("books/full/<int:pk>/", book_views.remit_in_full, name="remit_in_full"),
    path("books/close/", book_views.month_close, name="month_close"),
    path("summary/", book_views.summary, name="summary"),
    path("summary/export/", book_views.summary_export, name="summary_export"),
    path("statements/", book_views.statements, name="statements"),
    path("statements/<int:pk>/", book_views.statement_detail, name="statement"),
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
