"""通报."""

from django.urls import path

from campaign.circulars import views

urlpatterns = [
    path("circulars/", views.circular_list, name="circulars"),
    path("circulars/new/", views.circular_new, name="circular_new"),
    path("circulars/new/<str:kind>/", views.circular_create_view, name="circular_create"),
    path("circulars/<int:pk>/", views.circular_detail, name="circular"),
    path("circulars/<int:pk>/edit/", views.circular_edit, name="circular_edit"),
    path("circulars/<int:pk>/preview/", views.circular_preview_view, name="circular_preview"),
    path("circulars/<int:pk>/issue/", views.circular_issue_view, name="circular_issue"),
    path("circulars/<int:pk>/status/", views.circular_status, name="circular_status"),
    path("circulars/<int:pk>/pdf/", views.circular_pdf, name="circular_pdf"),
    path("circulars/<int:pk>/requeue/", views.circular_requeue_view, name="circular_requeue"),
    path("circulars/<int:pk>/correct/", views.circular_correct_view, name="circular_correct"),
    path("circulars/<int:pk>/delete/", views.circular_delete_view, name="circular_delete"),
]
