"""Each area's views module declares its own ``urlpatterns``; this joins them."""

from reviews.views import results, review_coverage, reviewing, rounds

app_name = "reviews"
urlpatterns = rounds.urlpatterns + results.urlpatterns + review_coverage.urlpatterns + reviewing.urlpatterns
