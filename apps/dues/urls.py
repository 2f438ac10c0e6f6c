from django.urls import path  # noqa: F401

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
    # remittances, reconciliation, closed months, statements, the summary (book_views.py)
    # the care fund (fund_views.py)
]
