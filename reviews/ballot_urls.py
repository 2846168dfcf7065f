"""The evaluation form: no login, reached by a one-time code (short, for typing and QR codes)."""

from reviews.views import ballot

app_name = "ballot"
urlpatterns = ballot.urlpatterns
