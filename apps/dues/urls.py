from django.urls import path  # noqa: F401

app_name = "dues"
urlpatterns = [
    # standards and hardship decisions (standard_views.py)
    # payments, the monthly sheet, arrears, a member's own dues (payment_views.py)
    # remittances, reconciliation, closed months, statements, the summary (book_views.py)
    # the care fund (fund_views.py)
]
