"""The figures rollup: one organization's own figures for one month of a campaign."""

from django.db import models

from campaign.campaigns.models import Campaign
from orgs.models import Organization
from orgs.scoping import ScopedManager


class OrganizationFigures(models.Model):
    """One organization's own figures (not its subtree's) for one month of a campaign,
    kept up to date by a task (campaign.dashboard.figures). The dashboard and the score sheet
    add these rows up over subtrees instead of counting members, ballots and pledges
    live: a province has millions of those and a hundred thousand of these a month.

    Counts that belong to a month (information reports) are for the month alone;
    counts that belong to a longer period are to date within it, as of the month's
    last day (or of the refresh, for the current month): pledges and rectifications
    as of that day, reviews and evaluation rounds within the review period (half-year),
    models within the quarter.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the month's first day
    as_of = models.DateField()
    computed_at = models.DateTimeField()

    party_organizations = models.PositiveIntegerField(default=0)  # 1 unless a mass organization
    organizations_covered = models.PositiveIntegerField(default=0)
    members = models.PositiveIntegerField(default=0)
    members_covered = models.PositiveIntegerField(default=0)
    items_due = models.PositiveIntegerField(default=0)
    items_done = models.PositiveIntegerField(default=0)  # of the items due, those done by the day
    late_items = models.PositiveIntegerField(default=0)
    supervised = models.PositiveIntegerField(default=0)
    reviews_due = models.PositiveIntegerField(default=0)
    reviews_done = models.PositiveIntegerField(default=0)
    rounds_held = models.PositiveIntegerField(default=0)
    subjects_evaluated = models.PositiveIntegerField(default=0)
    subjects_below = models.PositiveIntegerField(default=0)
    votes_counted = models.PositiveIntegerField(default=0)  # votes other than 不了解
    votes_satisfied = models.PositiveIntegerField(default=0)
    rectifications_open = models.PositiveIntegerField(default=0)
    rectifications_overdue = models.PositiveIntegerField(default=0)
    rectifications_due = models.PositiveIntegerField(default=0)  # deadline within the period, by the day
    rectifications_on_time = models.PositiveIntegerField(default=0)  # of those, solved by the deadline
    # Of the tasks reported done by the day: signed off (验收销号) by then, and still awaiting sign-off.
    rectifications_verified = models.PositiveIntegerField(default=0)
    rectifications_to_verify = models.PositiveIntegerField(default=0)
    reports = models.PositiveIntegerField(default=0)
    reports_adopted = models.PositiveIntegerField(default=0)
    reports_quota = models.PositiveIntegerField(default=0)
    reports_short = models.PositiveIntegerField(default=0)  # 1 when below the monthly quota
    models_nominated = models.PositiveIntegerField(default=0)
    models_selected = models.PositiveIntegerField(default=0)
    models_quota = models.PositiveIntegerField(default=0)
    pledges_assessed = models.PositiveIntegerField(default=0)  # assessed by the day (承诺兑现率's whole)
    pledges_fulfilled = models.PositiveIntegerField(default=0)  # of those, 兑现优秀 or 已兑现

    objects = ScopedManager(path_field="organization__path")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "month", "organization"], name="one_figures_row_per_month"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.month:%Y-%m}"
