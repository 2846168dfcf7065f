"""Scope rules for 验收销号: the evidence files of a reported task, the sign-off page and
the list of tasks awaiting sign-off."""

import datetime

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from campaign.tests.factories import make_campaign
from campaign.tests.url_matrix import Rule, inside_org, outside_org
from pledges.models import Rectification, RectificationEvidence, RectificationStatus
from pledges.tests.factories import TINY_PNG

MATRIX_FILE = "rectification/url-rules-sample"


def reported(c, organization):
    """A task of the organization reported done with one photo, awaiting sign-off."""
    key = f"_signoff_rectification_{organization.pk}"
    if not hasattr(c, key):
        if not hasattr(c, "_signoff_campaign"):
            c._signoff_campaign = make_campaign(c.county)
        task = Rectification.objects.create(
            campaign=c._signoff_campaign,
            organization=organization,
            category="服务群众",
            problem="便民服务站开放时间不固定",
            measure="排定值班表并在公开栏公布",
            owner="支部书记",
            deadline=datetime.date(2011, 5, 1),
            status=RectificationStatus.SOLVED,
            result="值班表已公布",
            solved_on=datetime.date(2011, 4, 20),
            reported_at=timezone.now(),
        )
        if not default_storage.exists(MATRIX_FILE):
            default_storage.save(MATRIX_FILE, ContentFile(TINY_PNG))
        RectificationEvidence.objects.create(
            rectification=task,
            file=MATRIX_FILE,
            original_name="值班表.png",
            content_type="image/png",
            size=len(TINY_PNG),
        )
        setattr(c, key, task)
    return getattr(c, key)


def _org(c, role, where):
    return (inside_org if where == "inside" else outside_org)(c, role)


def reported_pk(c, role, where):
    return [reported(c, _org(c, role, where)).pk]


def evidence_pk(c, role, where):
    return [reported(c, _org(c, role, where)).evidence.get().pk]


RULES = {
    "pledges:rectifications_to_verify": Rule(scoped=False),
    "pledges:rectification_evidence": Rule(args=evidence_pk),
    # Signed off from above or by an inspection group, never by the branch itself.
    "pledges:rectification_sign_off": Rule(args=reported_pk, allowed={"office", "leader", "inspector"}),
}
