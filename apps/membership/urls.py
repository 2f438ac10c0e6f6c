from django.urls import path  # noqa: F401

app_name = "membership"
urlpatterns = [
    # admission (发展党员), probation and 转正 (admission_views.py)
    # transfers and letters (transfer_views.py)
]
