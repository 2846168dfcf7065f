"""验收销号 in the demo county: 红湾寺镇's branches report tasks done with photos, the
township signs them off with 回头看 due, sends one back and signs off its second report,
and one report still waits; loading again adds nothing."""

import pytest

from campaign.devdata.demo_signoff import STORIES, demo_signoff_load
from orgs.models import User
from orgs.scoping import unscoped
from pledges.models import (
    Rectification,
    RectificationEvidence,
    RectificationSignOff,
    RectificationStatus,
    SignOffOutcome,
)
from pledges.rectification import add_months, may_sign_off

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _demo(demo_county_loaded):
    pass


def tasks() -> dict[str, Rectification]:
    problems = [story.problem for story in STORIES]
    return {task.organization.code: task for task in Rectification.objects.filter(problem__in=problems)}


def test_the_township_signed_off_three_reports_with_photos_and_a_lookback():
    leader = User.objects.get(username="leader")
    signed = [task for task in tasks().values() if task.status == RectificationStatus.VERIFIED]
    assert len(signed) == 3
    for task in signed:
        assert task.verified_by == leader and task.reported_at is not None
        assert task.lookback_due == add_months(task.verified_at.date(), task.campaign.lookback_months)
        assert task.evidence.filter(content_type="image/jpeg").exists()
        # The branch does not sign off its own; the township may.
        assert may_sign_off(leader, task)


def test_one_report_was_sent_back_with_a_reason_and_reported_again():
    task = tasks()["SN-HWS-HYG"]
    outcomes = list(task.sign_offs.values_list("outcome", flat=True))
    assert outcomes == [SignOffOutcome.SENT_BACK, SignOffOutcome.SIGNED_OFF]
    assert "财务收支明细" in task.sign_offs.first().note
    assert task.evidence.count() == 3


def test_one_report_still_waits_for_sign_off():
    task = tasks()["SN-HWS-XLG"]
    assert task.status == RectificationStatus.SOLVED and task.reported_at is not None
    assert not task.sign_offs.exists()


def test_the_secretary_of_the_branch_reported_its_own_task():
    assert tasks()["SN-HWS-HWSQ"].evidence.get().uploaded_by.username == "secretary"


def test_loading_again_adds_nothing():
    models = (Rectification, RectificationEvidence, RectificationSignOff)
    counts = [model.objects.count() for model in models]
    with unscoped("test"):
        demo_signoff_load()
    assert [model.objects.count() for model in models] == counts
