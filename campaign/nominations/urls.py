"""典型培树."""

from django.urls import path

from campaign.nominations import views

urlpatterns = [
    path("models/", views.nomination_list, name="nominations"),
    path("models/new/", views.nomination_create_view, name="nomination_create"),
    path("models/<int:pk>/", views.nomination_detail, name="nomination"),
    path("models/<int:pk>/recommend/", views.nomination_recommend_view, name="nomination_recommend"),
    path("models/<int:pk>/select/", views.nomination_select_view, name="nomination_select"),
    path("models/<int:pk>/decline/", views.nomination_decline_view, name="nomination_decline"),
    path("models/quota/", views.nomination_quota_view, name="nomination_quota"),
    path("models/quota/export/", views.nomination_quota_export_view, name="nomination_quota_export"),
]
