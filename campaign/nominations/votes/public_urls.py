"""The public vote's paper: no login, reached by a one-time vote code (short, for typing and QR codes)."""

from django.urls import path

from campaign.nominations.votes import views

app_name = "vote"
urlpatterns = [
    path("", views.vote_enter, name="enter"),
    # Before the code: "done" has lower-case letters, which no normalised code has.
    path("done/", views.vote_done, name="done"),
    path("<str:code>/", views.vote_form, name="form"),
]
