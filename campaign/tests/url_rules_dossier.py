"""Scope rules for the dossier pages (案卷): the office, the leaders above, the unit's secretary
and the inspection groups covering it build and read a unit's dossier; members do not."""

from django.core.files.base import ContentFile
from django.utils import timezone

from campaign.campaigns.models import Campaign
from campaign.dossier.models import DossierBuild, DossierState
from campaign.tests.url_matrix import Rule, inside_org, outside_org
from campaign.tests.url_rules import campaign_pk

BUILDERS = {"office", "leader", "inspector", "secretary"}


def unit_code(c, role, where):
    campaign_pk(c, role, "inside")
    return [(inside_org if where == "inside" else outside_org)(c, role).code]


def ready_build_pk(c, role, where):
    """A finished build of the role's unit (inside) or of a unit beside it (outside)."""
    organization = (inside_org if where == "inside" else outside_org)(c, role)
    campaign = Campaign.objects.get(pk=campaign_pk(c, role, where)[0])
    build = DossierBuild(
        campaign=campaign,
        organization=organization,
        requested_at=timezone.now(),
        state=DossierState.READY,
        progress=100,
        pages=1,
    )
    build.pdf.save("dossier.pdf", ContentFile(b"%PDF-1.7\n%%EOF\n"), save=False)
    build.zip.save("dossier.zip", ContentFile(b"PK\x05\x06" + bytes(18)), save=False)
    build.save()
    return [build.pk]


RULES = {
    "campaign:dossier": Rule(args=unit_code, allowed=BUILDERS),
    # Queues the build and goes back to the page.
    "campaign:dossier_build": Rule(args=unit_code, method="POST", allowed=BUILDERS, ok=302),
    "campaign:dossier_status": Rule(args=ready_build_pk, allowed=BUILDERS),
    "campaign:dossier_pdf": Rule(args=ready_build_pk, allowed=BUILDERS),
    "campaign:dossier_zip": Rule(args=ready_build_pk, allowed=BUILDERS),
}
