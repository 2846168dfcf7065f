import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from campaign.campaigns.models import Campaign
from campaign.pairing.models import (
    FollowUpTask,
    JointActivity,
    JointActivityPhoto,
    JointMeeting,
    MassActivity,
    MassPhoto,
    Pair,
    PairMember,
)
from campaign.pairing.services import _store
from campaign.tests.url_matrix import Rule, inside_org, outside_org
from campaign.tests.url_rules import campaign_pk
from campaign.tests.url_rules_reports import no_args_with_campaign
from orgs.models import Organization, OrganizationKind
from orgs.tests.factories import make_organization
from pledges.progress import evidence_check

FILERS = {"office", "leader", "secretary"}
# The office running the campaign, and the township's leader above both units of the pair.
MANAGERS = {"office", "leader"}


def _partner(c, role, where):
    """A second unit for the pair or meeting: inside, a branch of the township the
    role's own unit is in or beside; outside, a unit also outside the role's scope."""
    if where == "inside":
        return c.branch_a2
    if role == "office":
        if not hasattr(c, "other_county_branch"):
            c.other_county_branch = make_organization("外县村党支部", parent=c.other_county)
        return c.other_county_branch
    return {"leader": c.township_b, "inspector": c.branch_a2, "secretary": c.branch_a2, "member": c.branch_a2}[role]


def _unit(c, role, where):
    return (inside_org if where == "inside" else outside_org)(c, role)


def _pair(c, role, where) -> Pair:
    campaign = Campaign.objects.get(pk=campaign_pk(c, role, where)[0])
    unit, partner = _unit(c, role, where), _partner(c, role, where)
    pair = Pair.objects.create(
        campaign=campaign,
        kind="one_helps_one",
        name=f"{partner.name}帮扶{unit.name}",
        goals="一年内群众满意率达到90%以上。",
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
    )
    PairMember.objects.create(pair=pair, organization=partner, side="helper")
    PairMember.objects.create(pair=pair, organization=unit, side="helped")
    return pair


def pair_pk(c, role, where):
    return [_pair(c, role, where).pk]


def _photo_file():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return evidence_check(SimpleUploadedFile("活动.png", buffer.getvalue(), content_type="image/png"))


def pair_photo_pk(c, role, where):
    pair = _pair(c, role, where)
    activity = JointActivity.objects.create(
        pair=pair, held_on=pair.starts_on, title="结对座谈", content="交流经验。", participants=12
    )
    return [_store(JointActivityPhoto(activity=activity), _photo_file()).pk]


def _mass_organization(c, role, where) -> Organization:
    """The small county's 工会 beside 红湾社区党支部; elsewhere (and on the demo county) a
    团支部 made beside the unit."""
    unit = _unit(c, role, where)
    if unit == c.branch_a1 and hasattr(c, "union_a1"):
        return c.union_a1
    made = c.__dict__.setdefault("matrix_mass_organizations", {})
    if unit.pk not in made:
        made[unit.pk] = make_organization(f"{unit.name}团支部", parent=unit, kind=OrganizationKind.YOUTH_LEAGUE)
    return made[unit.pk]


def mass_code(c, role, where):
    no_args_with_campaign(c, role, where)  # the page works in a campaign
    return [_mass_organization(c, role, where).code]


def mass_photo_pk(c, role, where):
    organization = _mass_organization(c, role, where)
    activity = MassActivity.objects.create(
        campaign=Campaign.objects.get(pk=campaign_pk(c, role, where)[0]),
        organization=organization,
        held_on=datetime.date(2011, 5, 4),
        title="五四青年节座谈",
        content="青年党员座谈。",
        participants=20,
    )
    return [_store(MassPhoto(organization=organization, activity=activity), _photo_file()).pk]


def _meeting(c, role, where) -> JointMeeting:
    meeting = JointMeeting.objects.create(
        campaign=Campaign.objects.get(pk=campaign_pk(c, role, where)[0]),
        convener=_unit(c, role, where),
        held_on=datetime.date(2011, 6, 1),
        topics="党建带团建工作。",
        decisions="每季度开展一次联合活动。",
    )
    meeting.attendee_organizations.set([_partner(c, role, where)])
    return meeting


def meeting_pk(c, role, where):
    return [_meeting(c, role, where).pk]


def task_pks(c, role, where):
    meeting = _meeting(c, role, where)
    task = FollowUpTask.objects.create(
        meeting=meeting, text="制定联合活动计划", responsible=meeting.convener, deadline=datetime.date(2011, 7, 1)
    )
    return [meeting.pk, task.pk]


RULES = {
    "campaign:pairs": Rule(args=no_args_with_campaign, scoped=False),
    "campaign:pair_create": Rule(args=no_args_with_campaign, allowed=MANAGERS, scoped=False),
    # Both units' readers see the pair; the filers of either record its activities.
    "campaign:pair": Rule(args=pair_pk),
    "campaign:pair_edit": Rule(args=pair_pk, allowed=MANAGERS),
    "campaign:pair_activity_create": Rule(args=pair_pk, allowed=FILERS),
    "campaign:pair_photo": Rule(args=pair_photo_pk),
    # A mass organization is seen by whoever sees it or the party organization it sits beside.
    "campaign:mass_organizations": Rule(args=no_args_with_campaign, scoped=False),
    "campaign:mass_organization": Rule(args=mass_code),
    "campaign:mass_activity_create": Rule(args=mass_code, allowed=FILERS),
    "campaign:mass_honour_create": Rule(args=mass_code, allowed=FILERS),
    "campaign:mass_photo": Rule(args=mass_photo_pk),
    "campaign:joint_meetings": Rule(args=no_args_with_campaign, scoped=False),
    "campaign:joint_meeting_create": Rule(args=no_args_with_campaign, allowed=FILERS, scoped=False),
    "campaign:joint_meeting": Rule(args=meeting_pk),
    # An empty task is refused on the meeting's page itself.
    "campaign:followup_task_add": Rule(args=meeting_pk, method="POST", allowed=FILERS),
    "campaign:followup_task_update": Rule(args=task_pks, method="POST", allowed=FILERS, ok=302),
}
