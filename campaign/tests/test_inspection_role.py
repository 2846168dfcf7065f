"""The inspection group (巡回检查组) reads the subtrees it inspects, scores them by hand
(督查组评分) and files follow-up notes on supervised tasks (跟踪问效), as the domain brief
says; it changes nothing else. What its pages and the demo's account list say about it
agrees with what it can do: none calls it 只读 while it writes."""

import datetime
import inspect
from decimal import Decimal

import pytest
from django.urls import reverse

from campaign.devdata.management.commands.load_demo import _account_row
from campaign.scores.models import IndicatorKind
from campaign.scores.services import score_period_create, score_sheet_default
from campaign.tests.url_matrix import collect_rules, project_views
from orgs.models import User
from pledges.models import FollowUp, Rectification, Supervision

pytestmark = pytest.mark.django_db

ACCESS = "查阅、记录检查走访、登记检查发现、验收整改、评分、记录跟踪问效、生成案卷"
# The URLs an inspection group may POST to, and why. Its own account's pages aside, these
# are the writes its label names: visits, findings, sign-offs, scores, follow-up notes, dossiers.
INSPECTOR_WRITES = {
    "campaign:score_manual_edit": "评分",
    "pledges:supervision_follow_up": "跟踪问效",
    "campaign:incident_found": "登记检查发现",
    "campaign:visit_plan": "记录检查走访",
    "campaign:visit_record": "记录检查走访",
    "campaign:visit_item_add": "记录检查走访",
    "campaign:finding_add": "登记检查发现",
    "pledges:rectification_sign_off": "验收整改",
    "campaign:dossier_build": "生成案卷",
}
# The user's own account and choices: writing them changes nobody's data.
OWN_ACCOUNT = {"password_change", "orgs:reminder_dismiss", "campaign:choose"}
# Pages an inspection group reads whose view also takes a POST that it is refused.
READ_ONLY_FOR_INSPECTORS = {"pledges:item_progress", "campaign:monthly_file"}


def test_the_labels_say_what_an_inspection_group_does(client, county):
    help_text = str(User._meta.get_field("inspected_organizations").help_text)
    assert "只读" not in help_text and "评分" in help_text and "跟踪问效" in help_text

    client.force_login(county.inspector_b)
    home = client.get(reverse("home")).content.decode()
    assert "只读" not in home and ACCESS in home

    row = _account_row(county.inspector_b, demo=type("Demo", (), {"password": "x"})())
    assert "只读" not in row[-1] and ACCESS in row[-1]


def test_a_member_who_files_his_own_pledge_is_not_labelled_read_only(client, county):
    # Issue 19: a member files his own pledge, so his home page does not say 只读.
    client.force_login(county.member_user_a1)
    page = client.get(reverse("home")).content.decode()
    assert "只读" not in page and "可填报本人承诺" in page


def takes_post(view) -> bool:
    code = getattr(view, "view_class", None) or inspect.unwrap(view)
    return hasattr(code, "post") if inspect.isclass(code) else "POST" in inspect.getsource(code)


def test_the_urls_an_inspection_group_may_post_to_are_the_ones_its_label_names():
    views = project_views()
    posting = {
        name
        for name, rule in collect_rules().items()
        if not rule.public
        and "inspector" in rule.allowed
        and (rule.method == "POST" or takes_post(views[name]) or name in INSPECTOR_WRITES)
    }
    assert posting - OWN_ACCOUNT - READ_ONLY_FOR_INSPECTORS == set(INSPECTOR_WRITES)
    assert all(word in ACCESS for word in INSPECTOR_WRITES.values())


def supervised(campaign, organization, office):
    rectification = Rectification.objects.create(
        campaign=campaign,
        organization=organization,
        category="服务群众",
        problem="便民服务站开放时间不固定",
        measure="排定值班表并在公开栏公布",
        owner="支部书记",
        deadline=datetime.date(2011, 5, 1),
    )
    return Supervision.objects.create(
        organization=organization, rectification=rectification, supervisor=office, deadline=datetime.date(2011, 9, 1)
    )


def test_an_inspection_group_writes_scores_and_follow_ups_inside_and_nothing_outside(
    client, county, campaign, django_capture_on_commit_callbacks
):
    supervision = supervised(campaign, county.branch_b1, county.office)
    sheet = score_sheet_default(campaign=campaign, total_points=100, by=None)
    period = score_period_create(
        campaign=campaign,
        name="考核期",
        first_month=datetime.date(2010, 7, 1),
        last_month=datetime.date(2010, 12, 1),
        by=None,
    )
    manual = sheet.indicators.get(kind=IndicatorKind.MANUAL)
    client.force_login(county.inspector_b)

    with django_capture_on_commit_callbacks(execute=True):
        scored = client.post(
            reverse("campaign:score_manual_edit", args=[period.pk, county.branch_b1.code]),
            {f"points_{manual.pk}": "9", f"comment_{manual.pk}": "台账齐全"},
        )
    assert scored.status_code == 302
    assert period.manual_scores.get().points == Decimal(9)
    outside = client.post(
        reverse("campaign:score_manual_edit", args=[period.pk, county.branch_a1.code]),
        {f"points_{manual.pk}": "1", f"comment_{manual.pk}": "x"},
    )
    assert outside.status_code == 404

    noted = client.post(
        reverse("pledges:supervision_follow_up", args=[supervision.pk]), {"noted_on": "2011-03-01", "note": "实地查看"}
    )
    assert noted.status_code == 302 and FollowUp.objects.get().noted_by == county.inspector_b
    elsewhere = supervised(campaign, county.branch_a1, county.office)
    refused = client.post(
        reverse("pledges:supervision_follow_up", args=[elsewhere.pk]), {"noted_on": "2011-03-01", "note": "越权"}
    )
    assert refused.status_code == 404 and FollowUp.objects.count() == 1
