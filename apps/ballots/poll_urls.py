"""See urls.py."""

urlpatterns = []
