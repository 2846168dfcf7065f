"""The office's campaign pages."""

from django.urls import path

from campaign.campaigns import views

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("choose/", views.campaign_choose, name="choose"),
    path("new/", views.campaign_create_view, name="create"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/edit/", views.campaign_edit, name="edit"),
    path("<int:pk>/phases/", views.campaign_phases, name="phases"),
    path("<int:pk>/standards/", views.campaign_standards, name="standards"),
    path("<int:pk>/evaluation/", views.campaign_evaluation, name="evaluation"),
    path("<int:pk>/themes/", views.campaign_sector_themes, name="sector_themes"),
]
