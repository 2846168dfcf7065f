"""信息上报."""

from django.urls import path

from campaign.reports import views

urlpatterns = [
    path("reports/", views.report_list, name="reports"),
    path("reports/new/", views.report_create, name="report_create"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/adopt/", views.report_adopt, name="report_adopt"),
    path("reports/photos/<int:pk>/", views.report_photo, name="report_photo"),
    path("reports/quota/", views.report_quota_view, name="report_quota"),
    path("reports/quota/export/", views.report_quota_export, name="report_quota_export"),
]
