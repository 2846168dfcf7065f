"""The public notice board (公开栏): no login, random tokens in every address."""

from django.urls import path

from campaign.board import views as board

app_name = "board"
urlpatterns = [
    path("<slug:token>/", board.board_page, name="organization"),
    path("<slug:token>/qr/", board.board_poster, name="qr"),
    path("<slug:token>/files/<int:pk>/", board.board_evidence, name="evidence"),
]
