"""修改记录: the office's audit log."""

from django.urls import path

from campaign.audit import views

urlpatterns = [
    path("audit/", views.audit_log, name="audit"),
]
