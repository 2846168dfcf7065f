"""Django admin for pledges, progress and rectification: scoped like orgs.admin.

The admin is for the office to look things up and mend mistakes. A pledge's state and
its published versions belong to the life cycle (pledges.lifecycle), so they are shown
here but not edited, and a pledge's items and opinions can be changed here only while
the pledge itself could be edited on its page.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from orgs.access import user_scope
from orgs.admin import ScopedAdminMixin
from pledges.lifecycle import EDITABLE_STATES
from pledges.models import (
    Evidence,
    FollowUp,
    Opinion,
    Pledge,
    PledgeItem,
    PledgeVersion,
    ProgressEntry,
    Rectification,
    Supervision,
)


class ScopedHistoryAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """History pages in scope, read only.

    simple_history falls back to the historical rows when the object is not in the
    admin's queryset, which would show the history of objects outside the scope; and
    its history form reverts an object on POST, which would step around the life cycle.
    """

    def _require_visible(self, request, object_id) -> None:
        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            raise Http404(_("找不到该记录，或您无权查看。"))

    def history_view(self, request, object_id, extra_context=None):
        self._require_visible(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._require_visible(request, object_id)
        if request.method == "POST":
            raise PermissionDenied(_("历史版本只能查看，不能恢复。"))
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True

    def has_change_history_permission(self, request, obj=None):
        return False


class PledgeContentInline(admin.StackedInline):
    """Items and opinions inside a pledge: editable in scope, and only in a draft."""

    extra = 0

    def _may_change(self, request, obj) -> bool:
        if obj is None:
            return True
        return obj.state in EDITABLE_STATES and user_scope(request.user).can_change(obj.organization)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._may_change(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_change(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_change(request, obj)


class OpinionInline(PledgeContentInline):
    model = Opinion


class PledgeItemInline(PledgeContentInline):
    model = PledgeItem
    fields = ["order", "target", "work", "practical_things", "dimension", "due_date", "measurable_result"]


# Written by the life cycle's transitions, never by hand.
LIFECYCLE_FIELDS = [
    "state",
    "published_version",
    "submitted_at",
    "submitted_by",
    "decided_at",
    "decided_by",
    "return_reason",
    "published_on",
    "publication_channel",
    "assessed_at",
    "assessed_by",
    "fulfillment",
    "assessment_comment",
    "created_by",
    "created_at",
    "updated_at",
]


@admin.register(Pledge)
class PledgeAdmin(ScopedHistoryAdmin):
    list_display = ["title", "organization", "member", "kind", "state", "published_version", "campaign"]
    list_filter = ["state", "kind", "campaign"]
    search_fields = ["title", "organization__name", "member__name"]
    list_select_related = ["organization", "member", "campaign"]
    autocomplete_fields = ["organization", "member"]
    readonly_fields = LIFECYCLE_FIELDS
    inlines = [OpinionInline, PledgeItemInline]

    def get_readonly_fields(self, request, obj=None):
        # Moving a filed pledge to another pledger would bypass the filing rules.
        if obj is not None:
            return [*LIFECYCLE_FIELDS, "campaign", "organization", "member"]
        return LIFECYCLE_FIELDS


class PledgePartAdmin(ScopedHistoryAdmin):
    def organization_of(self, obj):
        return obj.pledge.organization


@admin.register(Opinion)
class OpinionAdmin(PledgePartAdmin):
    list_display = ["pledge", "solicited_on", "method"]
    list_filter = ["method"]
    list_select_related = ["pledge"]
    search_fields = ["summary", "pledge__title"]
    raw_id_fields = ["pledge"]


@admin.register(PledgeItem)
class PledgeItemAdmin(PledgePartAdmin):
    list_display = ["__str__", "pledge", "due_date", "completed_on"]
    list_select_related = ["pledge"]
    search_fields = ["target", "work", "pledge__title"]
    raw_id_fields = ["pledge"]


@admin.register(PledgeVersion)
class PledgeVersionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Published versions are the record of what the masses were shown: read only."""

    list_display = ["pledge", "number", "published_on", "publication_channel", "published_by"]
    list_select_related = ["pledge", "published_by"]
    search_fields = ["pledge__title"]
    readonly_fields = ["pledge", "number", "content", "published_on", "publication_channel", "published_by"]

    def organization_of(self, obj):
        return obj.pledge.organization

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProgressEntry)
class ProgressEntryAdmin(ScopedHistoryAdmin):
    list_display = ["__str__", "item", "recorded_on", "marks_done", "recorded_by"]
    list_filter = ["marks_done"]
    list_select_related = ["item", "recorded_by"]
    search_fields = ["text"]
    raw_id_fields = ["item"]

    def organization_of(self, obj):
        return obj.item.pledge.organization


@admin.register(Evidence)
class EvidenceAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["original_name", "entry", "content_type", "size", "is_public"]
    list_filter = ["is_public"]
    raw_id_fields = ["entry"]
    readonly_fields = ["file", "content_type", "size"]

    def organization_of(self, obj):
        return obj.entry.item.pledge.organization


@admin.register(Rectification)
class RectificationAdmin(ScopedHistoryAdmin):
    list_display = ["__str__", "organization", "category", "owner", "deadline", "status", "is_published"]
    list_filter = ["status", "source", "is_published"]
    list_select_related = ["organization"]
    search_fields = ["problem", "category", "owner"]
    autocomplete_fields = ["organization", "member"]
    raw_id_fields = ["pledge_item"]


@admin.register(Supervision)
class SupervisionAdmin(ScopedHistoryAdmin):
    list_display = ["__str__", "organization", "supervisor", "deadline", "closed_at"]
    list_select_related = ["organization", "supervisor"]
    autocomplete_fields = ["organization"]
    raw_id_fields = ["pledge_item", "rectification", "supervisor"]


@admin.register(FollowUp)
class FollowUpAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "supervision", "noted_on", "noted_by"]
    raw_id_fields = ["supervision"]

    def organization_of(self, obj):
        return obj.supervision.organization
