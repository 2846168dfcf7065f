"""The demo's inspection groups at work: 县委第一巡回检查组 recorded a visit to 北极村党支部
with its checklist and two findings (one with a photo, one that opened a rectification
task) and planned another; the health bureau's 督查组 took a 细则's points for what it found
at 皇城镇中心卫生院 (antibiotics prescribed without cause); a signed-off task whose 回头看
has come is looked back at. Loading twice creates nothing new."""

import datetime

import pytest
from django.utils import timezone

from campaign.devdata.demo_inspections import demo_inspections_load
from campaign.inspections.models import CheckResult, Finding, Visit, VisitMethod, VisitState
from orgs.models import User
from orgs.scoping import unscoped
from pledges.models import Rectification, RectificationSource, RectificationStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(demo_county_loaded):
    with unscoped("test"):
        yield


def test_the_county_inspector_recorded_a_visit_with_a_task_and_a_photo(demo):
    inspector = User.objects.get(username="inspector")
    visit = Visit.objects.get(inspector=inspector, organization__code="SN-HC-BJC")
    assert visit.state == VisitState.RECORDED and VisitMethod.FORUM in visit.methods
    assert visit.checklist.filter(result=CheckResult.PROBLEM).count() == 2
    assert visit.checklist.filter(indicator__isnull=False).exists()
    findings = list(visit.findings.order_by("pk"))
    assert len(findings) == 2
    assert findings[0].attachments.get().content_type == "image/jpeg"
    task = findings[1].rectification
    assert task.source == RectificationSource.INSPECTION and task.found_by == inspector
    assert Visit.objects.get(inspector=inspector, organization__code="SN-MH-XSW").state == VisitState.PLANNED


def test_the_health_inspection_group_took_a_rules_points(demo):
    visit = Visit.objects.get(inspector__username="duchazu", organization__code="SN-WS-HCWSY")
    finding = visit.findings.get()
    assert finding.deduction is not None and finding.deduction.organization == visit.organization
    assert "抗菌药物" in finding.deduction.reason and "抗菌药物" in finding.deduction.rule.indicator.name
    assert finding.checklist_item.indicator == finding.deduction.rule.indicator


def test_loading_again_creates_nothing_and_a_due_lookback_is_recorded(demo):
    visits, findings = Visit.objects.count(), Finding.objects.count()
    assert demo_inspections_load().visits_created == 0
    assert (Visit.objects.count(), Finding.objects.count()) == (visits, findings)
    # Once a task is signed off and its 回头看 has come, the group that inspects it looks back.
    task = Finding.objects.get(rectification__isnull=False, visit__inspector__username="inspector").rectification
    task.status, task.verified_at = RectificationStatus.VERIFIED, timezone.now()
    task.lookback_due = datetime.date(2012, 4, 1)
    task.save()
    assert demo_inspections_load().lookbacks_created >= 1
    lookback = Visit.objects.get(looks_back_at=task)
    assert lookback.state == VisitState.RECORDED and VisitMethod.LOOKBACK in lookback.methods
    assert demo_inspections_load().lookbacks_created == 0
    assert Rectification.objects.filter(pk=task.pk, status=RectificationStatus.VERIFIED).exists()
