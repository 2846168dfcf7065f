"""Django admin for campaigns, as a fallback to the office's campaign pages.

Scoped as orgs/admin.py is: lists read through the scoped default managers (a campaign
is visible at and below its organization), and changes are allowed only where the
user's scope can change the organization running the campaign.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from campaign.campaigns.forms import BasePhaseFormSet
from campaign.campaigns.models import Campaign, Phase, SectorTheme, Standard, StandardDimension
from orgs.access import user_scope
from orgs.admin import ScopedAdminMixin


class CampaignInlineMixin:
    """Rows of a campaign may be changed where the campaign may be."""

    def _campaign_allows(self, request, obj) -> bool:
        return obj is None or user_scope(request.user).can_change(obj.organization)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._campaign_allows(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._campaign_allows(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._campaign_allows(request, obj)


class PhaseInline(CampaignInlineMixin, admin.TabularInline):
    model = Phase
    # The same checks as the office's page: inside the campaign's dates and in order.
    formset = BasePhaseFormSet
    fields = ["name", "starts_on", "ends_on", "order"]
    extra = 0


class StandardInline(CampaignInlineMixin, admin.TabularInline):
    model = Standard
    fields = ["subject", "name", "review_focus"]
    extra = 0
    show_change_link = True


class SectorThemeInline(CampaignInlineMixin, admin.TabularInline):
    model = SectorTheme
    fields = ["sector", "theme"]
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "organization", "starts_on", "ends_on", "satisfaction_threshold"]
    list_select_related = ["organization"]
    search_fields = ["name", "theme"]
    date_hierarchy = "starts_on"
    autocomplete_fields = ["organization"]
    inlines = [PhaseInline, StandardInline, SectorThemeInline]
    readonly_fields = ["created_by", "created_at"]
    fieldsets = [
        (None, {"fields": ["organization", "name", "theme", "starts_on", "ends_on"]}),
        (
            _("考核要求"),
            {"fields": ["satisfaction_threshold", "review_period_months", "reports_per_month", "models_per_quarter"]},
        ),
        (_("记录"), {"fields": ["created_by", "created_at"]}),
    ]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(StandardDimension)
class StandardDimensionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "standard", "campaign", "order"]
    list_filter = ["standard__subject"]
    list_select_related = ["standard__campaign"]
    search_fields = ["name", "description", "standard__campaign__name"]
    ordering = ["standard__campaign", "standard", "order", "pk"]

    @admin.display(description=_("活动"))
    def campaign(self, obj):
        return obj.standard.campaign

    def organization_of(self, obj):
        return obj.standard.campaign.organization

    def save_model(self, request, obj, form, change):
        # The standard list shows campaigns run above the user too, which are read-only.
        if not user_scope(request.user).can_change(self.organization_of(obj)):
            raise PermissionDenied(_("只能为您管理范围内组织主办的活动设置标准内容。"))
        super().save_model(request, obj, form, change)
