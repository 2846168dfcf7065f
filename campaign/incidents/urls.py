"""重大情况报告."""

from django.urls import path

from campaign.incidents import views

urlpatterns = [
    path("incidents/", views.incident_list, name="incidents"),
    path("incidents/new/", views.incident_report_view, name="incident_report"),
    path("incidents/found/", views.incident_found_view, name="incident_found"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident"),
    path("incidents/<int:pk>/edit/", views.incident_edit, name="incident_edit"),
    path("<int:pk>/incident-kinds/", views.incident_kinds_view, name="incident_kinds"),
]
