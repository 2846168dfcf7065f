"""巡回检查: visits, their findings and 回头看."""

from django.urls import path

from campaign.inspections import views

urlpatterns = [
    path("visits/", views.visit_list, name="visits"),
    path("visits/new/", views.visit_plan_view, name="visit_plan"),
    path("visits/lookbacks/", views.lookback_list, name="lookbacks"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
    path("visits/<int:pk>/record/", views.visit_record_view, name="visit_record"),
    path("visits/<int:pk>/items/", views.visit_item_add, name="visit_item_add"),
    path("visits/<int:pk>/findings/new/", views.finding_add_view, name="finding_add"),
    path("findings/files/<int:pk>/", views.finding_file, name="finding_file"),
]
