"""The home page and the health check, at the root of the site."""

from django.urls import path

from campaign.home import views

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
]
