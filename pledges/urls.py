"""Each area's views module declares its own ``urlpatterns``; this joins them."""

from pledges.views import coverage, filing, progress, rectification

app_name = "pledges"
urlpatterns = filing.urlpatterns + progress.urlpatterns + rectification.urlpatterns + coverage.urlpatterns
