import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from campaign.campaigns.models import Campaign
from campaign.reports.models import InfoReport
from campaign.reports.services import _photo_store
from campaign.tests.url_matrix import Rule, inside_org, outside_org
from pledges.progress import evidence_check

REPORTERS = {"office", "leader", "secretary"}


def _campaign(c):
    if not hasattr(c, "reports_campaign"):
        c.reports_campaign = Campaign.objects.create(
            organization=c.county,
            name="创先争优活动",
            starts_on=datetime.date(2010, 4, 26),
            ends_on=datetime.date(2030, 12, 31),
        )
    return c.reports_campaign


def _report(c, role, where):
    organization = (inside_org if where == "inside" else outside_org)(c, role)
    return InfoReport.objects.create(
        campaign=_campaign(c),
        organization=organization,
        title="社区开展义务清扫",
        body="组织党员清扫街道。",
        reported_on=datetime.date(2011, 3, 5),
        category="work_news",
    )


def report_pk(c, role, where):
    return [_report(c, role, where).pk]


def photo_pk(c, role, where):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    upload = SimpleUploadedFile("清扫.png", buffer.getvalue(), content_type="image/png")
    return [_photo_store(report=_report(c, role, where), file=evidence_check(upload)).pk]


def no_args_with_campaign(c, role, where):
    _campaign(c)
    return []


RULES = {
    "campaign:reports": Rule(args=no_args_with_campaign, scoped=False),
    "campaign:report_create": Rule(args=no_args_with_campaign, allowed=REPORTERS, scoped=False),
    "campaign:report": Rule(args=report_pk),
    "campaign:report_adopt": Rule(args=report_pk, method="POST", allowed={"office"}, ok=302),
    "campaign:report_photo": Rule(args=photo_pk),
    "campaign:report_quota": Rule(args=no_args_with_campaign, scoped=False),
    "campaign:report_quota_export": Rule(args=no_args_with_campaign, scoped=False),
}
