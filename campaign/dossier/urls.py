"""案卷."""

from django.urls import path

from campaign.dossier import views

urlpatterns = [
    path("dossiers/<str:code>/", views.dossier_page, name="dossier"),
    path("dossiers/<str:code>/build/", views.dossier_build_view, name="dossier_build"),
    path("dossier-builds/<int:pk>/status/", views.dossier_status, name="dossier_status"),
    path("dossier-builds/<int:pk>/pdf/", views.dossier_pdf, name="dossier_pdf"),
    path("dossier-builds/<int:pk>/zip/", views.dossier_zip, name="dossier_zip"),
]
