import datetime

from django.core.files.base import ContentFile

from campaign.inspections.models import Finding, FindingAttachment, Visit, VisitState
from campaign.tests.url_matrix import Rule, inside_org, outside_org
from campaign.tests.url_rules_reports import _campaign

INSPECTORS = {"inspector"}
# A 1×1 PNG: enough for the file to be served.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


def with_campaign(c, role, where):
    _campaign(c)
    return []


def _visit(c, role, where) -> Visit:
    """A recorded visit of the inspection group to the role's unit (inside or outside)."""
    organization = (inside_org if where == "inside" else outside_org)(c, role)
    return Visit.objects.create(
        campaign=_campaign(c),
        organization=organization,
        inspector=c.inspector_b,
        state=VisitState.RECORDED,
        planned_on=datetime.date(2011, 5, 10),
        visited_on=datetime.date(2011, 5, 10),
        members="张明、李芳",
        methods=["report", "documents"],
        summary="听取汇报，查阅台账。",
    )


def visit_pk(c, role, where):
    return [_visit(c, role, where).pk]


def attachment_pk(c, role, where):
    finding = Finding.objects.create(visit=_visit(c, role, where), description="公开栏内容未更新")
    attachment = FindingAttachment(finding=finding, original_name="公开栏.png", content_type="image/png", size=len(PNG))
    attachment.file.save("finding", ContentFile(PNG), save=False)
    attachment.save()
    return [attachment.pk]


RULES = {
    # Everyone reads the visits to their own subtree; only inspection groups write them.
    "campaign:visits": Rule(args=with_campaign, scoped=False),
    "campaign:lookbacks": Rule(args=with_campaign, scoped=False),
    "campaign:visit_plan": Rule(args=with_campaign, allowed=INSPECTORS, scoped=False),
    "campaign:visit": Rule(args=visit_pk),
    "campaign:visit_record": Rule(args=visit_pk, allowed=INSPECTORS),
    "campaign:visit_item_add": Rule(args=visit_pk, method="POST", allowed=INSPECTORS, ok=302),
    "campaign:finding_add": Rule(args=visit_pk, allowed=INSPECTORS),
    "campaign:finding_file": Rule(args=attachment_pk),
}
