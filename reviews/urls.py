"""Each area's views module declares its own ``urlpatterns``; this joins them."""

from reviews.views import results, reviewing, rounds

app_name = "reviews"
urlpatterns = rounds.urlpatterns + results.urlpatterns + reviewing.urlpatterns
