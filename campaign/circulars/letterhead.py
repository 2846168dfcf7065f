"""The issuer's letterhead and the words around the text: the issuer's name, the number's
prefix, the addressees, a suggested title."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from campaign.campaigns.models import Campaign
from campaign.circulars.models import Circular, CircularKind
from orgs.models import Organization, OrganizationKind, Sector

MASS_KINDS = OrganizationKind.mass_organizations()


def default_issuer_name(organization: Organization) -> str:
    """中共某县委员会 → 中共某县委创先争优活动领导小组办公室: the office issues, in its committee's name."""
    name = organization.name
    if name.endswith("委员会"):
        name = name.removesuffix("委员会") + "委"
    return _("%(organization)s创先争优活动领导小组办公室") % {"organization": name}


def default_prefix(organization: Organization) -> str:
    """发文机关代字: the place's first character and 创办, e.g. 肃南 → 肃创办."""
    name = organization.name.removeprefix("中共")
    return _("%(place)s创办") % {"place": name[:1]}


def letterhead(organization: Organization) -> tuple[str, str]:
    """(issuer name, number prefix) for a new circular: what the issuer's last circular
    used, so the office sets them once; else the defaults. One query."""
    last = (
        Circular.objects.filter(issuer=organization)
        .order_by("-created_at", "-pk")
        .values_list("issuer_name", "number_prefix")
        .first()
    )
    return last or (default_issuer_name(organization), default_prefix(organization))


def number_text(prefix: str, year: int, serial: int) -> str:
    """GB/T 9704: 肃创办〔2012〕3号, the year in hexagonal brackets, no leading zero."""
    return f"{prefix}〔{year}〕{serial}号"


def recipient_choices(issuer: Organization):
    """Who a circular may be sent to: the party organizations right below the issuer."""
    return Organization.objects.filter(parent=issuer).exclude(kind__in=MASS_KINDS).order_by("path")


def addressee_text(issuer: Organization, recipients: Sequence[Organization], *, all_chosen: bool) -> str:
    """主送机关 as an office writes it: 各乡镇党委，县直各单位党组织 when the circular
    goes to every organization below a county; their names when it goes to a few."""
    if not recipients:
        return ""
    if not all_chosen:
        return "、".join(organization.name for organization in recipients)
    if issuer.kind == OrganizationKind.COUNTY_COMMITTEE:
        townships = [
            o
            for o in recipients
            if o.kind == OrganizationKind.COMMITTEE and o.sector in (Sector.RURAL, Sector.COMMUNITY)
        ]
        parts = []
        if townships:
            parts.append(_("各乡镇党委"))
        if len(townships) < len(recipients):
            parts.append(_("县直各单位党组织"))
        return "，".join(parts)
    kinds = []
    for organization in recipients:
        label = _("各%(kind)s") % {"kind": organization.get_kind_display()}
        if label not in kinds:
            kinds.append(label)
    return "、".join(kinds)


def suggested_title(kind: str, period_label: str, campaign: Campaign) -> str:
    titles = {
        CircularKind.EVALUATION: _("关于%(period)s群众评议结果的通报"),
        CircularKind.REPORTS: _("关于%(period)s信息上报情况的通报"),
        CircularKind.PROGRESS: _("关于%(period)s创先争优活动进展情况的通报"),
        CircularKind.RANKING: _("关于%(period)s%(campaign)s考核排名情况的通报"),
        CircularKind.COMMENDATION: _("关于表彰%(period)s创先争优先进典型的通报"),
        CircularKind.MONTHLY: _("关于%(period)s%(campaign)s月报情况的通报"),
        CircularKind.CRITICISM: _("关于%(period)s部分单位工作落实不到位的通报批评"),
    }
    return titles[kind] % {"period": period_label, "campaign": campaign.name}
