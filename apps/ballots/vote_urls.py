"""/vote/: casting a ballot with a one-time code (no account), and a member's own code shown once."""

app_name = "vote"

urlpatterns = []
