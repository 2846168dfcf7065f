"""manage.py load_demo: the demo county, its members, one account per role, the campaign
and two and a half years of the county's work in it."""

import unicodedata

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from campaign.devdata.demo_activity import DemoActivity, demo_activity_load
from campaign.devdata.demo_campaign import DemoCampaign, demo_campaign_load
from campaign.devdata.demo_county import DemoCounty, demo_county_load
from campaign.devdata.demo_dispatch import demo_dispatch_load
from campaign.devdata.demo_health import demo_health_load
from campaign.devdata.demo_inspections import demo_inspections_load
from campaign.devdata.demo_pairing import demo_pairing_load
from campaign.devdata.demo_pledgeloop import demo_pledgeloop_load
from campaign.devdata.demo_scores import demo_scores_load
from campaign.devdata.demo_signoff import demo_signoff_load
from campaign.devdata.demo_transport import demo_transport_load
from orgs.models import INSPECTOR_ACCESS, Role, User
from orgs.scoping import unscoped


class Command(BaseCommand):
    # Imported by manage.py after setup, so translations are ready here; argparse wants a str.
    help = _("建立演示县（肃南裕固族自治县）的组织、党员、各角色账号、活动及其工作数据；重复运行不会重复创建。")

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help=_("不输出任何信息。"))
        parser.add_argument(
            "--no-activity",
            action="store_true",
            help=_("只建立组织、党员、账号和活动，不生成承诺、点评、评议、信息和典型等工作数据。"),
        )

    def handle(self, *args, quiet=False, no_activity=False, verbosity=1, **options):
        activity = None
        scores = 0
        with unscoped("load_demo"):
            demo = demo_county_load()
            demo_campaign = demo_campaign_load(county=demo.county)
            health_campaign = demo_health_load()
            transport_campaign = demo_transport_load()
            if not no_activity:
                activity = demo_activity_load(campaign=demo_campaign.campaign, county=demo.county)
                demo_signoff_load()
                accounts = {user.username: user for user in demo.accounts}
                scores = demo_scores_load(
                    campaign=demo_campaign.campaign, office=accounts["office"], inspector=accounts["inspector"]
                )
                demo_pledgeloop_load()
                demo_pairing_load(campaign=demo_campaign.campaign)
                demo_inspections_load()
                demo_dispatch_load()
            rows = [_account_row(user, demo) for user in demo.accounts]
        if quiet or verbosity == 0:
            return
        self.stdout.write(self.style.SUCCESS(_summary(demo)))
        self.stdout.write(self.style.SUCCESS(_campaign_summary(demo_campaign)))
        self.stdout.write(self.style.SUCCESS(_health_summary(health_campaign)))
        self.stdout.write(self.style.SUCCESS(_transport_summary(transport_campaign)))
        if activity is not None:
            self.stdout.write(self.style.SUCCESS(_activity_summary(activity)))
        if scores:
            self.stdout.write(
                self.style.SUCCESS(
                    _("已建立100分考核评分表和两个考核期（2011年下半年已定稿），计算了 %(scores)d 个组织得分并排队。")
                    % {"scores": scores}
                )
            )
        self.stdout.write("")
        self.stdout.write(_("演示账号："))
        header = [_("账号"), _("初始密码"), _("角色"), _("所属组织"), _("可以看到")]
        for line in _table([header, *rows]):
            self.stdout.write(line)
        if demo.county_existed:
            self.stdout.write("")
            self.stdout.write(_("已有的账号不会重设密码；如已改过密码，请用改后的密码登录。"))


def _summary(demo: DemoCounty) -> str:
    numbers = {
        "county": demo.county.name,
        "organizations": demo.organization_count,
        "members": demo.member_count,
        "new_organizations": demo.organizations_created,
        "new_members": demo.members_created,
    }
    if not demo.county_existed:
        return _("已建立演示县“%(county)s”：%(organizations)d 个组织，%(members)d 名党员。") % numbers
    if demo.organizations_created or demo.members_created:
        return (
            _(
                "演示县“%(county)s”已存在，补建了 %(new_organizations)d 个组织、%(new_members)d 名党员；"
                "现有 %(organizations)d 个组织，%(members)d 名党员。"
            )
            % numbers
        )
    return _("演示县“%(county)s”已存在，没有重复创建（%(organizations)d 个组织，%(members)d 名党员）。") % numbers


def _campaign_summary(demo_campaign: DemoCampaign) -> str:
    values = {"name": demo_campaign.campaign.name, "theme": demo_campaign.campaign.theme}
    if demo_campaign.created:
        return _("已建立演示活动“%(name)s”（主题：%(theme)s），含活动阶段、“五个好”“五带头”标准和各领域主题。") % values
    return _("演示活动“%(name)s”已存在，没有重复创建。") % values


def _health_summary(health_campaign: DemoCampaign) -> str:
    values = {"name": health_campaign.campaign.name, "organization": health_campaign.campaign.organization.name}
    if health_campaign.created:
        return (
            _(
                "已建立第二项演示活动“%(name)s”，由%(organization)s主办，含“三好一满意”标准、"
                "1000分督查考核表（按医院等级定目标的量化指标和扣分细则）、2011年3月起的月报和2011年度的自查自评与核定。"
            )
            % values
        )
    return _("演示活动“%(name)s”已存在，没有重复创建。") % values


def _transport_summary(transport_campaign: DemoCampaign) -> str:
    values = {"name": transport_campaign.campaign.name, "organization": transport_campaign.campaign.organization.name}
    if transport_campaign.created:
        return (
            _(
                "已建立第三项演示活动“%(name)s”，由%(organization)s主办，含“十个方面”标准、“五个到位”评分表、"
                "“三无”一票否决、重大情况报告（一起迟报）、各单位负责人的责任书和2011年度考核。"
            )
            % values
        )
    return _("演示活动“%(name)s”已存在，没有重复创建。") % values


def _activity_summary(activity: DemoActivity) -> str:
    if not activity.created:
        return _("演示活动已有工作数据，没有重复生成。")
    return _(
        "已生成演示工作数据：%(pledges)d 份承诺（%(published)d 份已公示）、%(reviews)d 次领导点评、"
        "%(rounds)d 次群众评议（%(forms)d 份评议表）、%(reports)d 条信息、%(nominations)d 个典型推荐、"
        "%(rectifications)d 项整改任务；另为 %(accounts)d 个党组织的书记开通了账号（未设密码，可由办公室重置）。"
    ) % {
        "pledges": activity.pledges,
        "published": activity.published_pledges,
        "reviews": activity.reviews,
        "rounds": activity.rounds,
        "forms": activity.online_forms + activity.paper_forms,
        "reports": activity.info_reports,
        "nominations": activity.nominations,
        "rectifications": activity.rectifications,
        "accounts": activity.accounts,
    }


def _account_row(user: User, demo: DemoCounty) -> list[str]:
    """One line of the account table. Queries the inspected organizations."""
    organization = user.organization.name if user.organization_id else "—"
    if user.is_superuser:
        return [user.username, demo.password, _("超级管理员"), organization, _("全部数据，可进入管理后台")]
    role = user.get_role_display()
    if user.role == Role.INSPECTOR:
        names = "、".join(user.inspected_organizations.values_list("name", flat=True))
        sees = _("%(organizations)s及其下级（%(access)s）") % {"organizations": names, "access": INSPECTOR_ACCESS}
    elif user.role == Role.MEMBER:
        sees = _("本人信息和本支部概况")
    elif user.role == Role.SECRETARY:
        sees = _("本支部（%(organization)s）及其党员") % {"organization": organization}
    elif user.role == Role.OFFICE and user.organization_id == demo.county.pk:
        sees = _("全县所有组织和党员，可进入管理后台")
    elif user.role == Role.OFFICE:
        sees = _("%(organization)s及其下级组织和党员，主办本系统的活动") % {"organization": organization}
    else:
        sees = _("%(organization)s及其下级组织和党员") % {"organization": organization}
    return [user.username, demo.password, role, organization, sees]


def _table(rows: list[list[str]]) -> list[str]:
    """Columns padded by display width: a Chinese character takes two columns in a terminal."""
    widths = [max(_width(row[column]) for row in rows) for column in range(len(rows[0]))]
    return [
        "  ".join(cell + " " * (width - _width(cell)) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
