"""The evaluation form: no login, reached by a one-time code (short, for typing and QR codes)."""

from django.urls import path

from reviews.views import ballot

app_name = "ballot"
urlpatterns = [
    path("", ballot.ballot_enter, name="enter"),
    # Before the code: "done" has lower-case letters, which no normalised code has.
    path("done/", ballot.ballot_done, name="done"),
    path("<str:code>/", ballot.ballot_form, name="form"),
]
