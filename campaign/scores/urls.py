"""考核评价 / 打分排队."""

from django.urls import path

from campaign.scores import views

urlpatterns = [
    path("scores/", views.scores_home, name="scores"),
    path("<int:pk>/score-sheet/", views.score_sheet_view, name="score_sheet"),
    path("<int:pk>/score-sheet/edit/", views.score_sheet_edit, name="score_sheet_edit"),
    path("<int:pk>/score-sheet/default/", views.score_sheet_default_view, name="score_sheet_default"),
    path("<int:pk>/score-periods/new/", views.score_period_create_view, name="score_period_create"),
    path("scores/<int:pk>/", views.score_ranking_view, name="score_ranking"),
    path("scores/<int:pk>/edit/", views.score_period_edit_view, name="score_period_edit"),
    path("scores/<int:pk>/export/", views.score_export_view, name="score_export"),
    path("scores/<int:pk>/recompute/", views.score_recompute_view, name="score_recompute"),
    path("scores/<int:pk>/finalize/", views.score_finalize_view, name="score_finalize"),
    path("scores/<int:pk>/org/<str:code>/", views.score_breakdown_view, name="score_breakdown"),
    path("scores/<int:pk>/manual/", views.score_manual_list, name="score_manual"),
    path("scores/<int:pk>/manual/<str:code>/", views.score_manual_edit, name="score_manual_edit"),
    path("scores/<int:pk>/self/<str:code>/", views.score_self_edit, name="score_self"),
    path(
        "<int:pk>/score-sheet/indicators/<int:indicator_pk>/", views.score_indicator_edit, name="score_indicator_edit"
    ),
]
