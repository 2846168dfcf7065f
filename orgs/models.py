"""The organization tree (党组织隶属关系), its members and the accounts that use them.

The tree is kept as a materialized path: each organization's ``path`` is its parent's
path followed by a fixed-width segment made from its own primary key. A subtree is
then one indexed ``LIKE 'prefix%'`` query, which stays one query at any depth and for
a province of 100,000 organizations, and ordering by path gives the tree in
depth-first order for free.
"""

from __future__ import annotations

import datetime
import secrets
from typing import Protocol

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Length
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from orgs.scoping import PATH_SEGMENT_LENGTH, ScopedManager

_PATH_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def path_segment(pk: int) -> str:
    """The fixed-width base-36 segment of one organization (room for 2 billion)."""
    digits = []
    while pk:
        pk, remainder = divmod(pk, 36)
        digits.append(_PATH_ALPHABET[remainder])
    segment = "".join(reversed(digits)).rjust(PATH_SEGMENT_LENGTH, "0")
    if len(segment) > PATH_SEGMENT_LENGTH:
        raise ValueError("organization id too large for a path segment")
    return segment


def new_public_token() -> str:
    """For public URLs: random, never a sequential id."""
    return secrets.token_urlsafe(12)


class OrganizationKind(models.TextChoices):
    COUNTY_COMMITTEE = "county", _("县委")
    COMMITTEE = "committee", _("党委")
    WORKING_COMMITTEE = "working", _("党工委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    TRADE_UNION = "union", _("工会")
    YOUTH_LEAGUE = "youth", _("共青团")
    WOMENS_FEDERATION = "women", _("妇联")

    @classmethod
    def mass_organizations(cls) -> set[str]:
        """群团组织: they sit beside a party organization and have no children."""
        return {cls.TRADE_UNION, cls.YOUTH_LEAGUE, cls.WOMENS_FEDERATION}


class Sector(models.TextChoices):
    RURAL = "rural", _("农牧村")
    COMMUNITY = "community", _("社区")
    ORGAN = "organ", _("机关")
    INSTITUTION = "institution", _("事业单位")
    ENTERPRISE = "enterprise", _("企业")
    OTHER = "other", _("其他")


class Grade(models.TextChoices):
    """医院等级 / 单位等级. Blank is 未定级: most organizations are not graded at all."""

    THIRD = "3", _("三级")
    SECOND = "2", _("二级")
    FIRST = "1", _("一级")


UNGRADED_LABEL = _("未定级")


class Organization(models.Model):
    code = models.CharField(_("组织编码"), max_length=32, unique=True)
    name = models.CharField(_("组织名称"), max_length=100)
    kind = models.CharField(_("组织类别"), max_length=20, choices=OrganizationKind.choices)
    sector = models.CharField(_("所属领域"), max_length=20, choices=Sector.choices, default=Sector.OTHER)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # What a system campaign ranks units by (the health speech's 四排队八排队: hospitals of
    # one grade and one type among themselves), not part of the party tree.
    grade = models.CharField(_("单位等级"), max_length=1, choices=Grade.choices, blank=True)
    unit_type = models.CharField(
        _("单位类型"), max_length=30, blank=True, help_text=_("如综合医院、中医医院、乡镇卫生院、公路段、运输企业。")
    )
    # The unguessable address of the organization's public notice board (公开栏).
    notice_board_token = models.CharField(max_length=32, unique=True, default=new_public_token, editable=False)
    # Written only by orgs.services; see the module docstring. Being unique, it gets on
    # PostgreSQL a second index with varchar_pattern_ops, which answers LIKE 'prefix%'
    # whatever the database collation (test_subtree_query_uses_the_path_index...).
    path = models.CharField(max_length=255, unique=True, editable=False)

    objects = ScopedManager(path_field="path")

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = pgettext_lazy("plural", "组织")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("orgs:organization", args=[self.code])

    @property
    def depth(self) -> int:
        """0 for a root, 1 for its children, and so on."""
        return len(self.path) // PATH_SEGMENT_LENGTH - 1

    @property
    def is_mass_organization(self) -> bool:
        return self.kind in OrganizationKind.mass_organizations()

    def ancestor_paths(self) -> list[str]:
        """Paths of every ancestor, root first, without querying."""
        return [self.path[:end] for end in range(PATH_SEGMENT_LENGTH, len(self.path), PATH_SEGMENT_LENGTH)]

    def is_within(self, other: Organization) -> bool:
        """True when self is other or lies below it."""
        return self.path.startswith(other.path)


def depth_expression(path_field: str = "path"):
    """SQL for an organization's depth, for filtering one level of a subtree."""
    return Length(path_field) / PATH_SEGMENT_LENGTH - 1


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class MemberStatus(models.TextChoices):
    """政治面貌. The roster holds all the staff of a unit, party members or not: campaigns
    such as 三好一满意 and 平安单位 judge every doctor and road worker."""

    FULL = "full", _("中共党员")
    PROBATIONARY = "probationary", _("中共预备党员")
    LEAGUE = "league", _("共青团员")
    DEMOCRATIC_PARTY = "democratic", _("民主党派成员")
    NONPARTISAN = "nonpartisan", _("无党派人士")
    MASSES = "masses", _("群众")

    @classmethod
    def party(cls) -> list[str]:
        """The statuses of a member of the Communist Party: they have a 入党日期 and a party post."""
        return [cls.FULL, cls.PROBATIONARY]


class Post(models.TextChoices):
    SECRETARY = "secretary", _("书记")
    DEPUTY_SECRETARY = "deputy", _("副书记")
    COMMITTEE_MEMBER = "committee", _("委员")
    MEMBER = "member", _("党员")

    @classmethod
    def leadership_team(cls) -> list[str]:
        """Posts that make a member part of the org's leadership team (班子成员)."""
        return [cls.SECRETARY, cls.DEPUTY_SECRETARY, cls.COMMITTEE_MEMBER]


class MemberQuerySet(models.QuerySet):
    def party_members(self) -> MemberQuerySet:
        """Members of the Communist Party only: the subjects of party standards such as 五带头."""
        return self.filter(status__in=MemberStatus.party())

    def for_campaign(self, campaign: CoversStaff) -> MemberQuerySet:
        """The people a campaign judges (pledges, evaluation, models): party members in a
        party campaign, all the staff in one about units (三好一满意, 平安单位)."""
        return self if campaign.covers_all_staff else self.party_members()


class CoversStaff(Protocol):
    """What ``for_campaign`` reads of a campaign (campaign.campaigns.models.Campaign, which
    sits above this app and so is not imported)."""

    covers_all_staff: bool


class Member(models.Model):
    """A person on a unit's roster: a party member or, for campaigns about whole units,
    any member of its staff. Kept to what the campaign's work needs (no ID numbers, no address)."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("所在组织"), on_delete=models.PROTECT, related_name="members"
    )
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=10, choices=Gender.choices)
    ethnicity = models.CharField(_("民族"), max_length=20, default="汉族")
    birth_date = models.DateField(_("出生日期"))
    # Only party members have one (the member_joined_only_if_party constraint).
    joined_date = models.DateField(_("入党日期"), null=True, blank=True)
    status = models.CharField(_("政治面貌"), max_length=20, choices=MemberStatus.choices, default=MemberStatus.FULL)
    # The post in the party organization; everyone else keeps the plain one.
    post = models.CharField(_("党内职务"), max_length=20, choices=Post.choices, default=Post.MEMBER)
    job_title = models.CharField(_("工作岗位"), max_length=50, blank=True, help_text=_("如主治医师、护士长、路政员。"))
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)

    objects = ScopedManager.from_queryset(MemberQuerySet)(path_field="organization__path", member_field="pk")

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = pgettext_lazy("plural", "人员")
        ordering = ["organization__path", "name"]
        constraints = [
            # The roster has no member number, so name and birth date within an org are
            # the key that makes re-importing the same file a no-op.
            models.UniqueConstraint(fields=["organization", "name", "birth_date"], name="member_unique_in_org"),
            # Null passes a check constraint, so this holds only when there is a joined date.
            models.CheckConstraint(
                condition=models.Q(joined_date__gt=models.F("birth_date")), name="member_joined_after_birth"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=MemberStatus.party(), joined_date__isnull=False)
                | (~models.Q(status__in=MemberStatus.party()) & models.Q(joined_date__isnull=True)),
                name="member_joined_only_if_party",
            ),
            # 书记、副书记、委员 are posts of the party organization.
            models.CheckConstraint(
                condition=models.Q(status__in=MemberStatus.party()) | models.Q(post=Post.MEMBER),
                name="member_party_post_only_if_party",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("orgs:member", args=[self.pk])

    @property
    def is_leadership(self) -> bool:
        return self.post in Post.leadership_team()

    @property
    def is_party_member(self) -> bool:
        return self.status in MemberStatus.party()

    @property
    def post_display(self) -> str:
        """The party post as pages show it: none for staff outside the party."""
        return self.get_post_display() if self.is_party_member else ""

    @property
    def role_display(self) -> str:
        """What an evaluator knows the person by, beside the name: a leader's party post,
        else the job (护士长), else 党员 or the 政治面貌 (群众)."""
        if self.is_party_member and self.is_leadership:
            return self.get_post_display()
        if self.job_title:
            return self.job_title
        return self.get_post_display() if self.is_party_member else self.get_status_display()


# What an inspection group (巡回检查组) does in the subtrees it inspects: it reads them,
# records its visits and what it finds there (检查走访, 检查发现: campaign.inspections),
# scores them by hand (督查组评分) and files follow-up notes on supervised tasks
# (跟踪问效); it changes nothing else. Its scope is not writable: those writes are
# checked by campaign.inspections.services.may_plan, campaign.scores.services.may_score
# and pledges.rectification.may_follow_up.
INSPECTOR_ACCESS = _("查阅、记录检查走访、登记检查发现、验收整改、评分、记录跟踪问效、生成案卷")


class Role(models.TextChoices):
    # Any organization's office runs campaigns over its subtree (the county's, a health
    # bureau's), so the label names the job, not the county.
    OFFICE = "office", _("活动办公室")
    LEADER = "leader", _("上级党组织负责人")
    # Its scope reads everything and writes only what inspecting produces: the label says so.
    INSPECTOR = "inspector", _("巡回检查组（查阅，记录检查和验收）")
    SECRETARY = "secretary", _("党支部书记")
    MEMBER = "member", _("党员")


class User(AbstractUser):
    """An account. Its role and the organization it is anchored to decide its scope."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("所属组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("办公室、负责人和书记看到这个组织及其下级；党员只看到本人。"),
    )
    member = models.OneToOneField(
        Member, verbose_name=_("对应党员"), null=True, blank=True, on_delete=models.SET_NULL, related_name="user"
    )
    inspected_organizations = models.ManyToManyField(
        Organization,
        verbose_name=_("检查范围"),
        blank=True,
        related_name="+",
        help_text=_(
            "巡回检查组在这些组织及其下级中查阅、记录检查走访、登记检查发现、验收整改、评分、记录跟踪问效、生成案卷，不能修改其他数据。"
        ),
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = pgettext_lazy("plural", "账号")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The person's name as the office knows it (reads the member row when linked)."""
        if self.member_id:
            return self.member.name
        return self.get_full_name() or self.username


# ---------------------------------------------------------------------------
# Reminders (待办提醒): what is due for one account, found by the daily job
# ---------------------------------------------------------------------------


class ReminderKind(models.TextChoices):
    REPORTS_SHORT = "reports_short", _("信息报送不足")
    REVIEWS_OVERDUE = "reviews_overdue", _("点评逾期")
    RECTIFICATION_LATE = "rectification_late", _("整改逾期")
    RECTIFICATION_TO_VERIFY = "rectification_to_verify", _("整改待验收")
    DISPATCH_RETURN = "dispatch_return", _("工作部署催报")


# One sentence per kind, rendered from the stored params in the reader's language.
REMINDER_MESSAGES = {
    ReminderKind.REPORTS_SHORT: _(
        "%(organization)s%(month)s已报送信息%(count)s条，每月应报%(quota)s条，请在月底前报足。"
    ),
    ReminderKind.REVIEWS_OVERDUE: _("上一点评周期（%(start)s至%(end)s）有%(count)s个对象没有点评，请尽快安排。"),
    ReminderKind.RECTIFICATION_LATE: _(
        "%(organization)s的整改任务“%(problem)s”已过整改时限（%(deadline)s），尚未完成。"
    ),
    ReminderKind.RECTIFICATION_TO_VERIFY: _(
        "%(organization)s已报告整改任务“%(problem)s”完成（%(reported)s），请验收销号或退回重改。"
    ),
    ReminderKind.DISPATCH_RETURN: _(
        "%(sender)s部署的“%(title)s”要求%(organization)s于%(deadline)s前报送办理情况，目前尚未报送，请抓紧报送。"
    ),
}
# Params that hold ISO dates, shown in the reader's date format; a month is its first day.
_REMINDER_DATE_PARAMS = ("start", "end", "deadline", "reported")
_REMINDER_MONTH_PARAMS = ("month",)


class Reminder(models.Model):
    """Something due that one account should act on; the daily job (campaign.reminders.services)
    creates it, keeps it up to date and resolves it when it is no longer due.

    Not organization-owned, so it has no scoped manager: every read goes through
    orgs.selectors.open_reminders and access_reminder, which filter by the user.
    """

    user = models.ForeignKey(User, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("提醒类别"), max_length=30, choices=ReminderKind.choices)
    # What the reminder is about, stable from run to run (e.g. campaign, month and
    # organization), so that the job finds its own row again instead of adding one.
    key = models.CharField(max_length=100)
    # The figures of the message (names, counts, ISO dates), so that it is rendered in
    # the reader's language and stays current as the figures change.
    params = models.JSONField(default=dict)
    url = models.CharField(_("办理页面"), max_length=300)
    created_at = models.DateTimeField(_("提醒时间"))
    due_seen_at = models.DateTimeField(_("最近一次发现"))
    resolved_at = models.DateTimeField(_("已解除"), null=True, blank=True)
    dismissed_at = models.DateTimeField(_("已忽略"), null=True, blank=True)

    class Meta:
        verbose_name = _("待办提醒")
        verbose_name_plural = pgettext_lazy("plural", "待办提醒")
        ordering = ["-created_at", "pk"]
        constraints = [
            # Kind and key first: the job looks its rows up by them (the user has the FK's index).
            models.UniqueConstraint(fields=["kind", "key", "user"], name="reminder_once_per_user_kind_key"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.message}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None and self.dismissed_at is None

    @property
    def message(self) -> str:
        """The sentence the user reads, in the active language (no query)."""
        values = dict(self.params)
        for name in _REMINDER_DATE_PARAMS:
            if values.get(name):
                values[name] = formats.date_format(datetime.date.fromisoformat(values[name]))
        for name in _REMINDER_MONTH_PARAMS:
            if values.get(name):
                values[name] = formats.date_format(datetime.date.fromisoformat(values[name]), "YEAR_MONTH_FORMAT")
        return str(REMINDER_MESSAGES[self.kind]) % values
