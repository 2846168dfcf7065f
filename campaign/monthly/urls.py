"""月报."""

from django.urls import path

from campaign.monthly import views

urlpatterns = [
    path("monthly/", views.monthly_status, name="monthly_status"),
    path("monthly/export/", views.monthly_export, name="monthly_export"),
    path("monthly/<str:code>/", views.monthly_file, name="monthly_file"),
]
