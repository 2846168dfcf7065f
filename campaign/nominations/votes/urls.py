"""公示票选, the office's pages (the public's are in public_urls)."""

from django.urls import path

from campaign.nominations.votes import views

urlpatterns = [
    path("models/votes/", views.vote_list, name="votes"),
    path("models/votes/new/", views.vote_create_view, name="vote_create"),
    path("models/votes/<int:pk>/", views.vote_detail, name="vote"),
    path("models/votes/<int:pk>/codes/", views.vote_code_sheet, name="vote_codes"),
    path("models/votes/<int:pk>/close/", views.vote_close_view, name="vote_close"),
    path("models/votes/<int:pk>/export/", views.vote_export, name="vote_export"),
]
