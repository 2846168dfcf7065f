"""Issue 19's public board: pledges newest first, an index by kind and by whose, assessed
pledges folded with the verdict in the summary line, in constant queries."""

import datetime
import re

import pytest
from django.urls import reverse

from orgs.tests.factories import make_member
from pledges.assessment import pledge_assess
from pledges.models import Fulfillment, PledgeKind
from pledges.tests.factories import make_pledge, publish_with_approval

pytestmark = pytest.mark.usefixtures("media")


def board(client, organization):
    response = client.get(reverse("board:organization", args=[organization.notice_board_token]))
    assert response.status_code == 200
    return response.content.decode()


def published(county, campaign, title, *, on, member=None, kind=PledgeKind.ANNUAL):
    pledge = make_pledge(campaign, county.branch_a1, member=member, title=title, kind=kind)
    return publish_with_approval(pledge, filer=county.secretary_user_a1, approver=county.leader_a, on=on)


def section_of(html, anchor):
    match = re.search(rf'<section class="mb-4" id="{anchor}">(.*?)</section>', html, re.S)
    assert match, anchor
    return match.group(1)


def test_the_newest_pledge_comes_first_and_the_index_counts_each_kind(client, county, campaign):
    old = published(county, campaign, "支部长远承诺：建强阵地", on=datetime.date(2010, 6, 1), kind=PledgeKind.LONG_TERM)
    pledge_assess(pledge=old, by=county.leader_a, fulfillment=Fulfillment.FULFILLED, comment="好")
    published(county, campaign, "支部年度承诺：修通村道", on=datetime.date(2010, 7, 1))
    member = make_member(county.branch_a1, "卓玛", birth=datetime.date(1980, 1, 1))
    published(
        county, campaign, "卓玛的即时承诺", on=datetime.date(2011, 3, 5), member=member, kind=PledgeKind.IMMEDIATE
    )
    other = make_member(county.branch_a1, "才让", birth=datetime.date(1975, 1, 1))
    published(county, campaign, "才让的即时承诺", on=datetime.date(2011, 2, 1), member=other, kind=PledgeKind.IMMEDIATE)

    html = board(client, county.branch_a1)
    # The newest pledge is the first on the page, old assessed ones after it.
    start = html.index('class="board-index')
    index, body = html[start : html.index("</nav>", start)], html[html.index("</nav>", start) :]
    assert re.findall(r"(卓玛的即时承诺|才让的即时承诺|支部年度承诺：修通村道|支部长远承诺：建强阵地)", body) == [
        "卓玛的即时承诺",
        "才让的即时承诺",
        "支部年度承诺：修通村道",
        "支部长远承诺：建强阵地",
    ]
    assert "卓玛的即时承诺" not in index  # the index names kinds, not pledges
    # The index: 长远, 年度, 即时 in that order, own before members', each with its count and anchor.
    links = re.findall(r'<a href="#([\w-]+)"[^>]*>(.*?)</a>', index, re.S)
    assert [anchor for anchor, _ in links] == ["long_term-own", "annual-own", "immediate-members"]
    assert "本组织长远承诺" in links[0][1] and ">1<" in links[0][1]
    assert "党员即时承诺" in links[2][1] and ">2<" in links[2][1]
    assert "卓玛的即时承诺" in section_of(html, "immediate-members")
    assert "（2 份）" in section_of(html, "immediate-members")


def test_an_assessed_pledge_is_folded_with_its_verdict_in_the_summary(client, county, campaign):
    kept = published(county, campaign, "已兑现的支部承诺", on=datetime.date(2010, 6, 1))
    pledge_assess(pledge=kept, by=county.leader_a, fulfillment=Fulfillment.FULFILLED, comment="内部意见甲")
    member = make_member(county.branch_a1, "多吉", birth=datetime.date(1980, 1, 1))
    broken = published(county, campaign, "多吉的承诺", on=datetime.date(2010, 6, 2), member=member)
    pledge_assess(pledge=broken, by=county.leader_a, fulfillment=Fulfillment.NOT_FULFILLED, comment="内部意见乙")
    published(county, campaign, "尚在践诺的支部承诺", on=datetime.date(2010, 5, 1))

    html = board(client, county.branch_a1)
    summaries = re.findall(r"<summary>(.*?)</summary>", html, re.S)
    kept_summary = next(summary for summary in summaries if "已兑现的支部承诺" in summary)
    assert "兑现评定：已兑现" in kept_summary and "text-bg-success" in kept_summary
    assert "2010-06-01 公示" in kept_summary
    broken_summary = next(summary for summary in summaries if "多吉的承诺" in summary)
    # 未兑现 is not shown in praise green.
    assert "兑现评定：未兑现" in broken_summary and "text-bg-danger" in broken_summary
    # A pledge still being kept stays open as a card; the comments stay internal.
    assert not any("尚在践诺的支部承诺" in summary for summary in summaries)
    assert '<h3 class="h6 card-title">尚在践诺的支部承诺</h3>' in html
    assert "内部意见" not in html


def test_the_board_queries_stay_constant_over_kinds_and_assessments(
    client, county, campaign, django_assert_max_num_queries
):
    published(county, campaign, "支部年度承诺", on=datetime.date(2010, 6, 1))
    with django_assert_max_num_queries(12) as few:
        board(client, county.branch_a1)
    for number, kind in enumerate(PledgeKind.values * 2):
        member = make_member(county.branch_a1, f"党员{number}", birth=datetime.date(1970 + number, 1, 1))
        pledge = published(
            county, campaign, f"党员{number}的承诺", on=datetime.date(2010, 7, 1 + number), member=member, kind=kind
        )
        if number % 2:
            pledge_assess(pledge=pledge, by=county.leader_a, fulfillment=Fulfillment.PARTLY, comment="部分兑现")
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = board(client, county.branch_a1)
    assert "党员5的承诺" in html and "兑现评定：部分兑现" in html
