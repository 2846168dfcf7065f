"""The evaluation form: no login, reached by a one-time code (short, for typing and QR codes).
The addresses are those of every public ballot (reviews.public_ballot.ballot_urls)."""

from reviews.public_pages import EVALUATION, ballot_urls
from reviews.views import ballot

app_name = "ballot"
urlpatterns = ballot_urls(EVALUATION, ballot.ballot_form)
