"""Bad input: HTML and script typed into text fields are shown as text, in pages and in
the official documents, never run. Django's autoescaping does it; these tests keep any
later |safe or mark_safe honest on the fields people type into."""

import pytest
from django.urls import reverse

from campaign.circulars.services import CircularInput, circular_update
from campaign.circulars.snapshots import circular_html
from campaign.tests import circular_fixtures as fx
from orgs.scoping import unscoped
from pledges.tests.factories import make_pledge

ATTACKS = [
    "<script>alert('承诺')</script>",
    '<img src=x onerror="alert(1)">',
    '"><svg onload=alert(1)>',
]
# Template syntax typed in is data too: shown as typed, never evaluated.
TEMPLATE_SYNTAX = "{{ request }}{% debug %}"


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_pledge_title_with_markup_is_shown_as_text(client, county, campaign, attack):
    with unscoped("test"):
        pledge = make_pledge(campaign, county.branch_a1, title=f"办实事{attack}")
    client.force_login(county.office)
    for url in (reverse("pledges:detail", args=[pledge.pk]), reverse("pledges:list")):
        page = client.get(url).content.decode()
        assert attack not in page, url
        assert "办实事" in page and "&lt;" in page


def test_template_syntax_in_a_pledge_title_is_shown_as_typed(client, county, campaign):
    with unscoped("test"):
        pledge = make_pledge(campaign, county.branch_a1, title=f"办实事{TEMPLATE_SYNTAX}")
    client.force_login(county.office)
    page = client.get(reverse("pledges:detail", args=[pledge.pk])).content.decode()
    assert f"办实事{TEMPLATE_SYNTAX}" in page and "WSGIRequest" not in page


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_circulars_texts_with_markup_are_printed_as_text(county, campaign, attack):
    circular = fx.draft(campaign, by=county.office)
    circular = circular_update(
        circular=circular,
        texts=CircularInput(title=f"关于信息上报的通报{attack}", preamble=f"开头{attack}", closing=f"结尾{attack}"),
        by=county.office,
    )
    html = circular_html(circular, {"kind": circular.kind, "period_label": "", "rows": [], "short": []}, preview=True)
    assert attack not in html
    assert "开头" in html and "结尾" in html
