"""Django admin for mass evaluation: scoped like orgs.admin, and read only.

Rounds, codes, paper tally sheets and results are changed only through their pages
and services, which keep the states, the code counts and the audit trail. Ballot and
BallotChoice are deliberately not registered: the admin is no way around the secrecy
of the vote. Codes are listed without anything that leads from a code to a ballot.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from orgs.admin import ScopedAdminMixin
from pledges.admin import ScopedHistoryAdmin
from reviews.models import (
    EvaluationCode,
    EvaluationRound,
    EvaluationSubject,
    PaperCount,
    PaperTally,
    RoundCategory,
    TallyResult,
)


class ReadOnlyMixin:
    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class SubjectInline(ReadOnlyInline):
    model = EvaluationSubject
    fields = ["order", "member"]
    verbose_name = _("评议对象")


class CategoryInline(ReadOnlyInline):
    model = RoundCategory
    fields = ["category", "code_count"]


class RoundPartAdmin(ScopedAdminMixin, ReadOnlyMixin, admin.ModelAdmin):
    def organization_of(self, obj):
        return obj.round.organization


@admin.register(EvaluationRound)
class EvaluationRoundAdmin(ReadOnlyMixin, ScopedHistoryAdmin):
    list_display = ["organization", "period", "state", "opens_at", "closes_at", "campaign"]
    list_filter = ["state", "campaign"]
    list_select_related = ["organization", "campaign"]
    search_fields = ["organization__name", "period"]
    readonly_fields = [
        "campaign",
        "organization",
        "period",
        "briefing_on",
        "briefing_kind",
        "briefing_summary",
        "opens_at",
        "closes_at",
        "state",
        "created_by",
        "created_at",
        "opened_at",
        "closed_at",
        "tallied_at",
        "published_at",
    ]
    inlines = [SubjectInline, CategoryInline]


@admin.register(EvaluationCode)
class EvaluationCodeAdmin(RoundPartAdmin):
    """To answer "does my code work?": which round and category. Never whether it was
    used: watched while a round is open, that would say which code cast when (the
    round's page gives the counts)."""

    list_display = ["code", "round", "category"]
    list_filter = ["category"]
    list_select_related = ["round__organization"]
    search_fields = ["code"]
    fields = readonly_fields = ["code", "round", "category"]
    # Sorted by the code itself: the row order then follows neither creation nor use.
    ordering = ["code"]

    def lookup_allowed(self, lookup, value, request=None):
        # The admin would otherwise filter on any of the model's own fields from the URL.
        if lookup.split("__")[0] == "used":
            return False
        return super().lookup_allowed(lookup, value, request)


@admin.register(TallyResult)
class TallyResultAdmin(RoundPartAdmin):
    list_display = ["subject", "round", "category", "forms", "satisfaction", "below_threshold"]
    list_filter = ["below_threshold", "category"]
    list_select_related = ["subject__member", "subject__round__organization", "round__organization"]
    search_fields = ["round__organization__name", "subject__member__name"]
    readonly_fields = [
        "round",
        "subject",
        "category",
        "forms",
        "satisfied",
        "dissatisfied",
        "unknown",
        "choice_counts",
        "satisfaction",
        "below_threshold",
    ]


class PaperCountInline(ReadOnlyInline):
    model = PaperCount
    fields = ["subject", "choice", "count"]


@admin.register(PaperTally)
class PaperTallyAdmin(ReadOnlyMixin, ScopedHistoryAdmin):
    """Entered and corrected (with a reason) on the round's paper page; here the sheet
    and its history can be read."""

    list_display = ["round", "category", "forms", "entered_by", "entered_at"]
    list_filter = ["category"]
    list_select_related = ["round__organization", "entered_by"]
    search_fields = ["round__organization__name"]
    readonly_fields = ["round", "category", "forms", "entered_by", "entered_at", "correction_reason"]
    inlines = [PaperCountInline]

    def organization_of(self, obj):
        return obj.round.organization
