"""The public vote's paper: no login, reached by a one-time vote code (short, for typing and QR codes)."""

from campaign import vote_views

app_name = "vote"
urlpatterns = vote_views.public_patterns
