"""工作进度: the dashboard, its refresh, export and the subjects under the threshold."""

from django.urls import path

from campaign.dashboard import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/refresh/", views.dashboard_refresh, name="dashboard_refresh"),
    path("dashboard/export/", views.dashboard_export_view, name="dashboard_export"),
    path("dashboard/flagged/", views.dashboard_flagged, name="dashboard_flagged"),
]
