from django.urls import path

from orgs import views

app_name = "orgs"
urlpatterns = [
    path("<str:code>/", views.organization_detail, name="organization"),
    path("members/<int:pk>/", views.member_detail, name="member"),
    path("<str:code>/accounts/", views.organization_accounts_open, name="accounts_open"),
    path("<str:code>/describe/", views.organization_describe_view, name="organization_describe"),
    path("members/<int:pk>/account/reset/", views.member_account_reset, name="account_reset"),
    # Two segments each, so that "<str:code>/" above never swallows them.
    path("roster/import/", views.roster_import_start, name="roster_import"),
    path("roster/import/<str:token>/", views.roster_import_preview, name="roster_import_preview"),
    path("roster/import/<str:token>/confirm/", views.roster_import_confirm, name="roster_import_confirm"),
    path("roster/import/<str:token>/cancel/", views.roster_import_cancel, name="roster_import_cancel"),
    path("export/organizations.xlsx", views.export_organizations_view, name="export_organizations"),
    path("export/members.xlsx", views.export_members_view, name="export_members"),
    path("export/template-<str:kind>.xlsx", views.export_template_view, name="export_template"),
    path("reminders/<int:pk>/dismiss/", views.reminder_dismiss_view, name="reminder_dismiss"),
]
