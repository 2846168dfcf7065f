"""Issue 16's walk-through in Chromium on the demo county: while the county office keeps
reviewing in its 创先争优, the health system's own office (weisheng) sets up a 三好一满意
over the hospitals through pages, words its patients' form, imports a hospital's staff
roster with staff outside the party, runs a patient evaluation round on phones, closes it
and reads the result by the rule it set."""

import pytest
from django.core.cache import cache
from django.core.management import call_command

from campaign.campaigns.models import Campaign
from campaign.devdata.demo_campaign import DEMO_CAMPAIGN_NAME
from campaign.devdata.demo_county import DEMO_PASSWORD
from orgs.models import Member, MemberStatus, Organization
from orgs.scoping import unscoped
from orgs.tests.rosters import xlsx_bytes
from reviews.models import EvaluationCode, EvaluationRound, Review, RoundState, TallyResult
from reviews.tests.test_review_flow_browser import review_from_due_list

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CAMPAIGN = "2026年县人民医院“三好一满意”活动"
HOSPITAL = "县人民医院党支部"
STAFF_HEADER = ["姓名", "性别", "出生日期", "政治面貌", "入党日期", "职务", "工作岗位", "所在组织编码"]


@pytest.fixture(autouse=True)
def _own_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "health"}}
    cache.clear()


@pytest.fixture
def demo():
    call_command("load_demo", "--quiet", "--no-activity")


@pytest.fixture
def login_password():
    return DEMO_PASSWORD


def staff_file(hospital_code):
    return xlsx_bytes(
        STAFF_HEADER,
        [
            ["马建华", "男", "1968-03-02", "中共党员", "1992-07-01", "书记", "院长", hospital_code],
            ["牛丽萍", "女", "1985-10-11", "群众", "", "", "护士长", hospital_code],
            ["杨晓东", "男", "1997-05-20", "共青团员", "", "", "住院医师", hospital_code],
        ],
    )


def test_the_health_office_runs_a_patient_evaluation_while_the_county_keeps_reviewing(
    live_server, demo, logged_in, new_page, tmp_path
):
    from playwright.sync_api import expect

    base = live_server.url
    with unscoped("test"):
        hospital = Organization.objects.get(name=HOSPITAL)

    # The health office sets up its campaign over its own subtree, for patients to judge.
    health = logged_in("weisheng")
    health.on("dialog", lambda dialog: dialog.accept())
    health.goto(f"{base}/campaigns/new/")
    health.get_by_label("主办组织").select_option(label="卫生局党委")
    health.get_by_label("活动名称").fill(CAMPAIGN)
    health.get_by_label("活动主题").fill("服务好、质量好、医德好、群众满意")
    health.get_by_label("开始日期").fill("2026-01-01")
    health.get_by_label("结束日期").fill("2026-12-31")
    health.get_by_label("活动对象").select_option(label="单位和全体职工")
    health.get_by_label("群众评议的评议人和选项").select_option(value="patients")
    health.get_by_role("button", name="保存").first.click()
    health.wait_for_url("**/phases/")
    with unscoped("test"):
        campaign = Campaign.objects.get(name=CAMPAIGN)
    assert campaign.organization.name == "卫生局党委"

    # It words the patients' form its own way: 说不清 becomes 不了解情况.
    health.goto(f"{base}/campaigns/{campaign.pk}/evaluation/")
    expect(health.get_by_label("评议人类别 1")).to_have_value("住院患者")
    health.get_by_label("评议选项 5").fill("不了解情况")
    health.get_by_role("button", name="保存").click()
    expect(health.get_by_text("满意、比较满意计入满意；不了解情况不计入满意率")).to_be_visible()

    # The county office, in its own campaign, still reviews a township of the county.
    office = logged_in("office", campaign=DEMO_CAMPAIGN_NAME)
    review_from_due_list(office, base, "红湾寺镇党委", "乡镇便民服务中心运转顺畅。")
    with unscoped("test"):
        review = Review.objects.get(
            organization__name="红湾寺镇党委", sections__achievements="乡镇便民服务中心运转顺畅。"
        )
    assert review.campaign.name == DEMO_CAMPAIGN_NAME

    # The hospital's staff, party members or not, come in from Excel.
    roster = tmp_path / "县人民医院职工.xlsx"
    roster.write_bytes(staff_file(hospital.code))
    health.goto(f"{base}/orgs/roster/import/")
    health.get_by_label("人员").check()
    health.get_by_label("文件").set_input_files(str(roster))
    health.get_by_role("button", name="上传并预览").click()
    health.get_by_role("button", name="确认导入").click()
    with unscoped("test"):
        staff = {member.name: member for member in Member.objects.filter(organization=hospital)}
    assert staff["牛丽萍"].status == MemberStatus.MASSES and staff["牛丽萍"].job_title == "护士长"
    assert staff["杨晓东"].status == MemberStatus.LEAGUE and not staff["杨晓东"].is_party_member

    # In its campaign, a round of the hospital hands three slips to inpatients.
    health.goto(f"{base}/campaigns/choose/")
    health.locator("button", has_text=CAMPAIGN).click()
    health.goto(f"{base}/evaluations/new/")
    health.get_by_label("被评议组织").select_option(label=HOSPITAL)
    health.get_by_label("通报内容").fill("通报了优质护理病房、预约诊疗和医德医风建设情况。")
    for label in ("党员", "群众代表"):
        expect(health.get_by_label(label, exact=True)).to_have_count(0)
    health.get_by_label("住院患者").fill("3")
    health.get_by_label("患者家属").fill("0")
    health.get_by_role("button", name="保存").click()
    health.get_by_role("button", name="开始评议").click()
    expect(health.get_by_role("button", name="结束评议")).to_be_visible()
    with unscoped("test"):
        evaluation_round = EvaluationRound.objects.get(campaign=campaign)
        subjects = list(evaluation_round.subjects.select_related("member").order_by("order"))
        codes = list(EvaluationCode.objects.filter(round=evaluation_round).values_list("code", flat=True))
    # The round is of the whole unit: staff outside the party are evaluated too.
    assert {"牛丽萍", "杨晓东"} <= {subject.member.name for subject in subjects if subject.member_id}
    assert len(codes) == 3

    # Three patients on phones: the hospital itself gets 满意, 一般 and 不了解情况.
    hospital_choice = ["satisfied", "average", "unknown"]
    for code, own in zip(codes, hospital_choice, strict=True):
        phone = new_page(phone=True)
        phone.goto(f"{base}/p/{code}/")
        expect(phone.get_by_text("比较满意").first).to_be_visible()
        expect(phone.get_by_text("基本满意")).to_have_count(0)
        for subject in subjects:
            choice = own if not subject.member_id else "fairly"
            phone.locator(f"label[for='s{subject.pk}-{choice}']").tap()
        phone.get_by_role("button", name="提交评议表").tap()
        expect(phone.get_by_role("heading", name="评议表已提交")).to_be_visible()
        phone.context.close()

    # Closing tallies (in-process here) by the rule the office set.
    health.goto(f"{base}/evaluations/{evaluation_round.pk}/")
    health.get_by_role("button", name="结束评议").click()
    with unscoped("test"):
        evaluation_round.refresh_from_db()
        assert evaluation_round.state == RoundState.TALLIED
        own = TallyResult.objects.get(round=evaluation_round, subject__member__isnull=True, category="")
    # 1 满意 of the 2 that count (不了解情况 is left out): 50%, under 90%.
    assert (own.satisfied, own.dissatisfied, own.unknown, own.below_threshold) == (1, 1, 1, True)
    health.goto(f"{base}/evaluations/{evaluation_round.pk}/results/")
    overall = health.locator("#overall-results")
    expect(overall.get_by_role("columnheader", name="比较满意")).to_be_visible()
    expect(overall.get_by_role("columnheader", name="不了解情况")).to_be_visible()
    row = overall.locator("tr", has_text=HOSPITAL).first
    expect(row).to_contain_text("50.00%")
    expect(row).to_contain_text("未达标")
    expect(health.get_by_text("满意、比较满意计入满意；不了解情况不计入满意率")).to_be_visible()

    # The county's campaign was not touched: its office's choice and its review stand.
    office.goto(f"{base}/evaluations/leader/{review.pk}/")
    expect(office.get_by_text("乡镇便民服务中心运转顺畅。")).to_be_visible()
    expect(office.locator("header, nav").first).to_contain_text(DEMO_CAMPAIGN_NAME)
