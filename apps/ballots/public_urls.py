"""/publicity/: the 公示 of results (no account) and objections to them."""

app_name = "publicity"

urlpatterns = []
