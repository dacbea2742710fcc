"""The Transcripts pages of a project (dashboard side of the /v2 API)."""

app_name = "transcripts"

urlpatterns = []
