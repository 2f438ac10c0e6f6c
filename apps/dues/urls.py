from django.urls import path  # noqa: F401

from . import book_views

app_name = "dues"
urlpatterns = [
    # standards and hardship decisions (standard_views.py)
    # payments, the monthly sheet, arrears, a member's own dues (payment_views.py)
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
]
