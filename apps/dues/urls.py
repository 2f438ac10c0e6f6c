from django.urls import path

from . import payment_views

from . import standard_views

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
    # the care fund (fund_views.py)
]
