from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from campaign import audit_views, circular_views, dashboard_views, score_views, views, vote_views
from orgs.forms import LoginForm

# The campaign app's own pages (campaign/views.py); this module is also the project's root.
campaign_patterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create_view, name="create"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/edit/", views.campaign_edit, name="edit"),
    path("<int:pk>/phases/", views.campaign_phases, name="phases"),
    path("<int:pk>/standards/", views.campaign_standards, name="standards"),
    path("<int:pk>/themes/", views.campaign_sector_themes, name="sector_themes"),
    path("reports/", views.report_list, name="reports"),
    path("reports/new/", views.report_create, name="report_create"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/adopt/", views.report_adopt, name="report_adopt"),
    path("reports/photos/<int:pk>/", views.report_photo, name="report_photo"),
    path("reports/quota/", views.report_quota_view, name="report_quota"),
    path("reports/quota/export/", views.report_quota_export, name="report_quota_export"),
    path("models/", views.nomination_list, name="nominations"),
    path("models/new/", views.nomination_create_view, name="nomination_create"),
    path("models/<int:pk>/", views.nomination_detail, name="nomination"),
    path("models/<int:pk>/recommend/", views.nomination_recommend_view, name="nomination_recommend"),
    path("models/<int:pk>/select/", views.nomination_select_view, name="nomination_select"),
    path("models/<int:pk>/decline/", views.nomination_decline_view, name="nomination_decline"),
    path("models/quota/", views.nomination_quota_view, name="nomination_quota"),
    path("audit/", audit_views.audit_log, name="audit"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/refresh/", dashboard_views.dashboard_refresh, name="dashboard_refresh"),
    path("dashboard/export/", dashboard_views.dashboard_export_view, name="dashboard_export"),
    path("dashboard/flagged/", dashboard_views.dashboard_flagged, name="dashboard_flagged"),
    path("models/quota/export/", views.nomination_quota_export_view, name="nomination_quota_export"),
    *vote_views.office_patterns,
    # 考核评价 / 打分排队 (campaign/score_views.py)
    path("scores/", score_views.scores_home, name="scores"),
    path("<int:pk>/score-sheet/", score_views.score_sheet_view, name="score_sheet"),
    path("<int:pk>/score-sheet/edit/", score_views.score_sheet_edit, name="score_sheet_edit"),
    path("<int:pk>/score-sheet/default/", score_views.score_sheet_default_view, name="score_sheet_default"),
    path("<int:pk>/score-periods/new/", score_views.score_period_create_view, name="score_period_create"),
    path("scores/<int:pk>/", score_views.score_ranking_view, name="score_ranking"),
    path("scores/<int:pk>/edit/", score_views.score_period_edit_view, name="score_period_edit"),
    path("scores/<int:pk>/export/", score_views.score_export_view, name="score_export"),
    path("scores/<int:pk>/recompute/", score_views.score_recompute_view, name="score_recompute"),
    path("scores/<int:pk>/finalize/", score_views.score_finalize_view, name="score_finalize"),
    path("scores/<int:pk>/org/<str:code>/", score_views.score_breakdown_view, name="score_breakdown"),
    path("scores/<int:pk>/manual/", score_views.score_manual_list, name="score_manual"),
    path("scores/<int:pk>/manual/<str:code>/", score_views.score_manual_edit, name="score_manual_edit"),
    # 通报 (campaign/circular_views.py)
    *circular_views.patterns,
]

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("orgs/", include("orgs.urls")),
    path("campaigns/", include((campaign_patterns, "campaign"))),
    path("pledges/", include("pledges.urls")),
    path("evaluations/", include("reviews.urls")),
    # Short, to type from a code slip or scan from its QR code.
    path("p/", include("reviews.ballot_urls")),
    # Short, to type from a vote code slip or scan from its QR code (公示票选).
    path("v/", include("campaign.vote_urls")),
    # Short, for the QR codes on printed notice boards.
    path("gk/", include("pledges.board_urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
