"""The project's root URLs: each app, and each room of the campaign app, declares its own
``urlpatterns`` in its urls module; this joins them."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from campaign.audit import urls as audit
from campaign.campaigns import urls as campaigns
from campaign.circulars import urls as circulars
from campaign.dashboard import urls as dashboard
from campaign.dispatch import urls as dispatch
from campaign.dossier import urls as dossier
from campaign.home import urls as home
from campaign.incidents import urls as incidents
from campaign.inspections import urls as inspections
from campaign.letters import urls as letters
from campaign.monthly import urls as monthly
from campaign.nominations import urls as nominations
from campaign.nominations.votes import urls as votes
from campaign.pairing import urls as pairing
from campaign.reports import urls as reports
from campaign.scores import urls as scores
from orgs.forms import LoginForm

# Everything under /campaigns/, in one namespace ("campaign:…").
campaign_patterns = [
    *campaigns.urlpatterns,
    *reports.urlpatterns,
    *nominations.urlpatterns,
    *votes.urlpatterns,
    *audit.urlpatterns,
    *dashboard.urlpatterns,
    *scores.urlpatterns,
    *monthly.urlpatterns,
    *circulars.urlpatterns,
    *letters.urlpatterns,
    *incidents.urlpatterns,
    *dossier.urlpatterns,
    *pairing.urlpatterns,
    *inspections.urlpatterns,
    *dispatch.urlpatterns,
]

urlpatterns = [
    *home.urlpatterns,
    path("orgs/", include("orgs.urls")),
    path("campaigns/", include((campaign_patterns, "campaign"))),
    path("pledges/", include("pledges.urls")),
    path("evaluations/", include("reviews.urls")),
    # Short, to type from a code slip or scan from its QR code.
    path("p/", include("reviews.ballot_urls")),
    # Short, to type from a vote code slip or scan from its QR code (公示票选).
    path("v/", include("campaign.nominations.votes.public_urls")),
    # Short, for the QR codes on printed notice boards.
    path("gk/", include("campaign.board.urls")),
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
