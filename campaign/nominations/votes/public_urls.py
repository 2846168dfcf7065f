"""The public vote's paper: no login, reached by a one-time vote code (short, for typing and
QR codes). The addresses are those of every public ballot (reviews.public_ballot.ballot_urls)."""

from campaign.nominations.votes import views
from reviews.public_pages import PUBLIC_VOTE, ballot_urls

app_name = "vote"
urlpatterns = ballot_urls(PUBLIC_VOTE, views.vote_form)
