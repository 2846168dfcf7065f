"""The demo county's second campaign: the health system's 三好一满意 (speech 4), run by
the 卫生党总支 over the hospitals and health units below it while the county's 创先争优
runs over the whole county.

服务好、质量好、医德好、群众满意 are the speech's; the phases, the wording of the
standards and the dates are a plausible plan of a county health system, not quoted. It
starts in March 2011, in the middle of 创先争优's 全面争创 phase, and outlasts it, so the
two overlap in time and in subtree as the speech says ("创先争优活动的重要载体").
"""

from __future__ import annotations

import datetime

from django.db import transaction

from campaign.campaigns.evaluation import PATIENT_PRESET
from campaign.campaigns.models import Campaign, CampaignSubjects, StandardSubject
from campaign.campaigns.services import DimensionInput, PhaseInput, StandardInput, campaign_create
from campaign.devdata.demo_campaign import DemoCampaign
from campaign.scores.services import score_sheet_default
from orgs.models import Organization

HEALTH_CODE = "SN-WS"
HEALTH_CAMPAIGN_NAME = "卫生系统“三好一满意”活动"
HEALTH_THEME = "服务好、质量好、医德好、群众满意"
HEALTH_PHASES = [
    PhaseInput("动员部署", datetime.date(2011, 3, 1), datetime.date(2011, 4, 30)),
    PhaseInput("组织实施", datetime.date(2011, 5, 1), datetime.date(2012, 10, 31)),
    PhaseInput("总结评估", datetime.date(2012, 11, 1), datetime.date(2012, 12, 31)),
]
HEALTH_STANDARDS = (
    StandardInput(
        subject=StandardSubject.ORGANIZATION,
        name="三好一满意标准",
        review_focus="优质护理、预约诊疗、抗菌药物专项整治、医德医风",
        dimensions=[
            DimensionInput("服务好", "优化就诊流程，推行预约诊疗，三级医院80%以上、二级医院50%以上病房开展优质护理。"),
            DimensionInput("质量好", "落实核心制度，开展抗菌药物临床应用专项整治，医疗安全无重大事故。"),
            DimensionInput("医德好", "加强医德医风考核，每月开展警示教育，杜绝收受红包、回扣。"),
            DimensionInput("群众满意", "开展患者满意度调查，设立维权站，及时处理患者投诉。"),
        ],
    ),
    StandardInput(
        subject=StandardSubject.MEMBER,
        name="医务人员三好一满意",
        review_focus="服务态度、技术水平、医德医风、患者评价",
        dimensions=[
            DimensionInput("服务好", "热情接待每一位患者，耐心解释病情和治疗方案，做到首问负责。"),
            DimensionInput("质量好", "严格执行诊疗规范和核心制度，合理检查、合理用药、合理收费。"),
            DimensionInput("医德好", "廉洁行医、文明行医，不收受红包、回扣，不开大处方。"),
            DimensionInput("群众满意", "患者及家属满意，全年无有效投诉，满意度调查达到90%以上。"),
        ],
    ),
)
# The health speech's 1000分督查考核表.
HEALTH_SHEET_POINTS = 1000


@transaction.atomic
def demo_health_load() -> DemoCampaign:
    """Create the health campaign and its 1000-point sheet unless the campaign exists (by
    organization and name). Needs an unscoped context and the demo county."""
    organization = Organization.objects.get(code=HEALTH_CODE)
    existing = Campaign.objects.filter(organization=organization, name=HEALTH_CAMPAIGN_NAME).first()
    if existing is not None:
        return DemoCampaign(existing, created=False)
    campaign = campaign_create(
        organization=organization,
        name=HEALTH_CAMPAIGN_NAME,
        theme=HEALTH_THEME,
        starts_on=HEALTH_PHASES[0].starts_on,
        ends_on=HEALTH_PHASES[-1].ends_on,
        phases=HEALTH_PHASES,
        standards=HEALTH_STANDARDS,
        # Whole hospitals and all their staff, judged by their patients.
        subjects=CampaignSubjects.UNITS,
        # The hospitals' 工会 pledge beside them (党群共建).
        mass_organizations_take_part=True,
        evaluation=PATIENT_PRESET,
        by=None,
    )
    score_sheet_default(campaign=campaign, total_points=HEALTH_SHEET_POINTS, by=None)
    return DemoCampaign(campaign, created=True)
