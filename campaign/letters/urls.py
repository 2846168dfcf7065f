"""目标责任书 and the leaders' year-end assessment."""

from django.urls import path

from campaign.letters import views

urlpatterns = [
    path("letters/", views.letter_list, name="letters"),
    path("letters/new/", views.letter_create, name="letter_create"),
    path("letters/<int:pk>/", views.letter_detail, name="letter"),
    path("letters/<int:pk>/edit/", views.letter_edit, name="letter_edit"),
    path("letters/<int:pk>/withdraw/", views.letter_withdraw_view, name="letter_withdraw"),
    path("letters/<int:pk>/assess/", views.letter_assess_view, name="letter_assess"),
]
