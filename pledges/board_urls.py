"""The public notice board (公开栏): no login, random tokens in every address."""

from pledges.views import board

app_name = "board"
urlpatterns = board.urlpatterns
