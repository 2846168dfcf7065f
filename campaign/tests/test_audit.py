"""The audit log (campaign.audit.selectors): every change to pledges, reviews, rounds, paper
tallies, score sheets and circulars, with who and when, for the office only, within its
scope, and nothing on the page that could change it."""

import datetime
from contextlib import contextmanager

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from campaign.scores.services import score_sheet_default
from campaign.tests import circular_fixtures as fx
from orgs.scoping import unscoped
from orgs.tests.factories import make_organization
from pledges.tests.factories import make_pledge
from reviews.models import EvaluatorCategory, PaperTally, RoundState
from reviews.tests.factories import make_round

AUDIT = reverse("campaign:audit")


@contextmanager
def acting_as(user):
    """Changes made as by a request of ``user``, as HistoryRequestMiddleware records them."""
    request = RequestFactory().get("/")
    request.user = user
    HistoricalRecords.context.request = request
    try:
        with unscoped("test"):
            yield
    finally:
        del HistoricalRecords.context.request


@pytest.fixture
def changes(county, campaign):
    """A secretary's pledge and round, and the office's score sheet and circular."""
    with acting_as(county.secretary_user_a1):
        pledge = make_pledge(campaign, county.branch_a1, title="办好三件实事")
        pledge.title = "办好四件实事"
        pledge.save()
        evaluation_round = make_round(campaign, county.branch_a1, state=RoundState.OPEN, period="2010年下半年")
        PaperTally.objects.create(round=evaluation_round, category=EvaluatorCategory.PUBLIC, forms=40)
    with acting_as(county.office):
        score_sheet_default(campaign=campaign, total_points=100, by=county.office)
        fx.draft(campaign, by=county.office, title="关于2011年第一季度信息上报情况的通报")
    return pledge


def test_the_office_sees_who_changed_what_and_when(client, county, changes):
    client.force_login(county.office)
    page = client.get(AUDIT).content.decode()

    for kind in ("公开承诺", "承诺事项", "评议活动", "纸质评议表汇总", "考核评分表", "考核指标", "通报"):
        assert kind in page, kind
    assert "办好四件实事" in page and "标题" in page  # the change, and the field it touched
    assert county.secretary_user_a1.display_name in page and county.office.display_name in page
    assert "关于2011年第一季度信息上报情况的通报" in page
    assert page.index("通报") < page.index("办好四件实事")  # newest first


def test_the_kind_and_date_filters(client, county, changes):
    client.force_login(county.office)
    only_rounds = client.get(AUDIT, {"kind": "round"}).content.decode()
    assert "2010年下半年" in only_rounds and "办好四件实事" not in only_rounds
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert "没有符合条件的修改记录" in client.get(AUDIT, {"since": tomorrow.isoformat()}).content.decode()
    assert "查询条件有误" in client.get(AUDIT, {"since": "昨天"}).content.decode()


def test_another_countys_changes_are_not_shown(client, county, campaign, changes):
    other = make_organization("另一县委", kind="county", sector="organ")
    with acting_as(county.office):
        make_pledge(campaign, other, title="外县的承诺")
    client.force_login(county.office)
    assert "外县的承诺" not in client.get(AUDIT).content.decode()


@pytest.mark.parametrize("who", ["leader_a", "inspector_b", "secretary_user_a1", "member_user_a1"])
def test_only_the_office_opens_it(client, county, who):
    client.force_login(getattr(county, who))
    assert client.get(AUDIT).status_code == 403


def test_the_log_cannot_be_changed_from_the_app(client, county, changes):
    client.force_login(county.office)
    page = client.get(AUDIT).content.decode()
    assert '<form method="get" class="row g-2 align-items-end mb-3" id="audit-filter">' in page
    table = page[page.index('id="audit-entries"') : page.index("</table>", page.index('id="audit-entries"'))]
    assert "办好四件实事" in table
    assert not any(tag in table for tag in ("<form", "<input", "<button", "<textarea", "<a "))
    assert client.post(AUDIT, {"kind": "pledge"}).status_code == 405
