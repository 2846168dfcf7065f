from django.urls import path

from orgs import views

app_name = "orgs"
urlpatterns = [
    path("<str:code>/", views.organization_detail, name="organization"),
    path("members/<int:pk>/", views.member_detail, name="member"),
]
