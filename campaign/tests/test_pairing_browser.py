"""党群共建 in Chromium: the office pairs an advanced and a lagging branch on an office PC,
the lagging branch's secretary records a joint activity with a photo on a phone, and the
office sees the activity and its photo on the pair's page and counted on the dashboard's
card; no page is wider than its window."""

import io

import pytest
from PIL import Image

from campaign.pairing.models import JointActivity, Pair
from orgs.models import Role
from orgs.tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.fixture
def secretary_a2(county):
    return make_user("secretary_a2", Role.SECRETARY, organization=county.branch_a2)


def test_office_pairs_branches_and_the_lagging_secretary_records_an_activity(
    live_server, county, campaign, secretary_a2, logged_in, tmp_path
):
    from playwright.sync_api import expect

    office = logged_in("office")
    office.goto(f"{live_server.url}/")
    office.get_by_role("button", name="报送", exact=True).click()
    office.get_by_role("link", name="党群共建").click()
    expect(office.get_by_role("heading", name="党群共建", exact=True)).to_be_visible()
    office.get_by_role("link", name="建立结对").click()
    office.get_by_label("结对形式").select_option(label="一帮一")
    office.get_by_label("结对名称").fill("红湾社区帮扶许三湾村")
    office.get_by_label("帮扶方", exact=True).select_option(label="红湾社区党支部")
    office.get_by_label("受帮扶方").select_option(label="许三湾村党支部")
    office.get_by_label("共建目标").fill("一年内到期承诺事项全部按时完成，群众满意率达到90%以上。")
    office.get_by_label("开始日期").fill("2011-03-01")
    office.get_by_label("结束日期").fill("2011-12-31")
    assert _fits(office)
    office.get_by_role("button", name="保存").click()
    expect(office.get_by_role("heading", name="红湾社区帮扶许三湾村")).to_be_visible()
    pair = Pair.objects.get()

    photo = tmp_path / "座谈会.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "green").save(buffer, format="JPEG")
    photo.write_bytes(buffer.getvalue())

    secretary = logged_in("secretary_a2", phone=True)
    secretary.goto(f"{live_server.url}/campaigns/pairing/")
    secretary.get_by_role("link", name="红湾社区帮扶许三湾村").click()
    # Measured once the pair's page has loaded, not while the list is being replaced.
    expect(secretary.get_by_role("link", name="记录共建活动")).to_be_visible()
    assert _fits(secretary)
    secretary.get_by_role("link", name="记录共建活动").click()
    secretary.get_by_label("活动日期").fill("2011-04-12")
    secretary.get_by_label("活动名称").fill("结对帮扶座谈会")
    secretary.get_by_label("活动内容").fill("两支部委员座谈，逐项梳理未兑现的承诺事项。")
    secretary.get_by_label("参加人数").fill("16")
    secretary.get_by_label("照片").set_input_files(str(photo))
    assert _fits(secretary)
    secretary.get_by_role("button", name="保存").click()
    expect(secretary.get_by_text("共建活动已记录。")).to_be_visible()
    assert _fits(secretary)
    activity = JointActivity.objects.get(pair=pair)
    assert activity.recorded_by == secretary_a2 and activity.photos.count() == 1

    office.goto(f"{live_server.url}{pair.get_absolute_url()}")
    expect(office.get_by_text("结对帮扶座谈会")).to_be_visible()
    image = office.get_by_role("img", name="座谈会.jpg")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.naturalWidth") == 64

    office.goto(f"{live_server.url}/campaigns/dashboard/?campaign={campaign.pk}")
    card = office.locator("#dashboard-pairing")
    expect(card.locator("[data-figure='pairs']")).to_have_text("1")
    expect(card.locator("[data-figure='activities']")).to_have_text("1")
    card.get_by_role("link", name="结对").click()
    expect(office.get_by_role("link", name="红湾社区帮扶许三湾村")).to_be_visible()
