"""The vague-pledge check on real-sounding pledge items: good ones pass clean, empty
ones get the reasons a secretary and an approver can act on."""

import datetime

import pytest

from campaign.campaigns.models import Campaign
from pledges.vagueness import concrete_remainder, has_quantity, is_only_stock_phrases, item_warnings

CAMPAIGN = Campaign(name="创先争优活动", starts_on=datetime.date(2010, 4, 26), ends_on=datetime.date(2012, 6, 30))


def item(target, work, result, due=datetime.date(2011, 12, 31), practical=""):
    return {
        "target": target,
        "work": work,
        "practical_things": practical,
        "due_date": due,
        "measurable_result": result,
    }


GOOD_ITEMS = {
    "community service station": item(
        "建成社区便民服务站",
        "协调辖区单位腾出两间办公用房，配备代办员2名",
        "2011年6月底前建成社区便民服务站，每月代办事项不少于30件",
        due=datetime.date(2011, 6, 30),
        practical="为居民代办低保、医保、计生等事项",
    ),
    "herders' income": item(
        "帮扶困难牧户增收",
        "党员每人联系2户困难牧户，帮助协调贷款、引进良种",
        "年底前联系户人均纯收入增加500元以上",
        practical="为联系户调剂良种羊",
    ),
    "village lanes": item(
        "硬化村内巷道，解决群众雨天出行难",
        "争取项目资金，组织群众投工投劳",
        "10月底前硬化巷道3公里，安装路灯20盏",
        due=datetime.date(2011, 10, 31),
    ),
    "member as breeding example": item(
        "当好群众致富带头人",
        "办好养殖示范点，向群众传授舍饲养殖技术",
        "年内举办养殖技术培训四期，带动五户群众发展舍饲养殖",
        due=datetime.date(2011, 9, 30),
        practical="免费为群众提供养殖技术咨询",
    ),
    "organ service window": item(
        "窗口服务零投诉",
        "推行首问负责制和限时办结制，公开办事程序和时限",
        "一般事项当日办结，群众满意率达到95%以上",
        practical="为上班的群众提供预约和延时服务",
    ),
    "school tutoring": item(
        "提高农村学校教学质量",
        "党员教师每人结对帮扶3名学习困难的学生，每周辅导两次",
        "2011年中考合格率比上年提高5个百分点",
        due=datetime.date(2011, 7, 15),
    ),
    "clinic opening hours": item(
        "方便牧区群众看病",
        "乡卫生院每月组织医生下牧点巡回义诊一次",
        "全年巡回义诊12次，为牧民建立健康档案300份",
        practical="为70岁以上老人免费体检",
    ),
}


@pytest.mark.parametrize("fields", GOOD_ITEMS.values(), ids=GOOD_ITEMS.keys())
def test_a_concrete_pledge_item_gets_no_warning(fields):
    assert item_warnings(fields, CAMPAIGN) == []


LIBRARY = item("建成村级文化活动室", "腾出村委会两间房，配齐图书和健身器材", "建成后每周开放5天")

VAGUE_ITEMS = {
    "study and serve": (
        item("进一步加强学习，切实提高服务水平", "认真学习，努力工作", "群众满意"),
        [
            "“可衡量的成效”里没有数字、日期或数量",
            "“可衡量的成效”只有4个字",
            "“争创目标”只有“进一步”“切实提高”一类的套话",
            "“做哪些工作”只有“认真”“努力”一类的套话",
            "“可衡量的成效”写得太笼统",
        ],
    ),
    "five goods": (
        item("争创五个好党组织", "不断深化党员队伍建设，全面推进各项工作", "取得明显成效，群众满意度不断提升"),
        [
            "“可衡量的成效”里没有数字、日期或数量",
            "“争创目标”写得太笼统",
            "“做哪些工作”只有“不断深化”“全面推进”一类的套话",
            "“可衡量的成效”只有“明显成效”“不断提升”一类的套话",
        ],
    ),
    "vanguard role with no date": (
        item("发挥党员先锋模范作用", "积极开展创先争优活动", "切实提高群众满意度", due=None),
        [
            "“可衡量的成效”里没有数字、日期或数量",
            "“争创目标”写得太笼统",
            "“做哪些工作”只有“积极开展”一类的套话",
            "“可衡量的成效”只有“切实提高”一类的套话",
            "没有填写完成时限。",
        ],
    ),
    "serve the people wholeheartedly": (
        item("全心全意为人民服务", "为群众办实事、办好事、解难事", "干部作风明显好转，群众满意"),
        [
            "“争创目标”写得太笼统",
            "“做哪些工作”写得太笼统",
            "“可衡量的成效”里没有数字、日期或数量",
            "“可衡量的成效”写得太笼统",
        ],
    ),
    "due after the campaign": (
        LIBRARY | {"due_date": datetime.date(2013, 3, 31)},
        ["完成时限2013-03-31不在活动期间（2010-04-26至2012-06-30）内。"],
    ),
    "due before the campaign": (
        LIBRARY | {"due_date": datetime.date(2010, 1, 1)},
        ["完成时限2010-01-01不在活动期间"],
    ),
    "result with no number": (
        item("建成社区便民服务站", "协调辖区单位腾出办公用房，配备代办员", "服务站建成并正常运转，群众办事更加方便"),
        ["“可衡量的成效”里没有数字、日期或数量"],
    ),
    "target copied into work": (
        item("年内修通至三组的砂石路", "年内修通至三组的砂石路", "9月底前修通砂石路4公里"),
        ["“争创目标”和“做哪些工作”写的是同一段话"],
    ),
    "nothing filled in": (
        item("", "  ", "", due=None),
        ["没有填写“争创目标”。", "没有填写“做哪些工作”。", "没有填写“可衡量的成效”", "没有填写完成时限。"],
    ),
}


@pytest.mark.parametrize(("fields", "expected"), VAGUE_ITEMS.values(), ids=VAGUE_ITEMS.keys())
def test_a_vague_pledge_item_is_warned_with_the_reasons(fields, expected):
    warnings = item_warnings(fields, CAMPAIGN)
    for reason in expected:
        assert any(reason in warning for warning in warnings), (reason, warnings)
    assert len(warnings) == len(expected), warnings


@pytest.mark.parametrize(
    "text",
    [
        "2011年6月底前",
        "每月代办事项不少于30件",
        "帮助五户困难家庭",
        "满意率达到95%",
        "年底前建成",
        "每周开放",
        "３公里",
    ],
)
def test_numbers_dates_and_counts_are_quantities(text):
    assert has_quantity(text)


@pytest.mark.parametrize("text", ["进一步加强学习", "争创五个好党组织", "践行三个代表", "走进千家万户", "带头弘扬正气"])
def test_numerals_inside_set_phrases_are_not_quantities(text):
    assert not has_quantity(text)


@pytest.mark.parametrize(
    ("text", "vague"),
    [
        ("进一步加强学习，切实提高服务水平", True),
        ("努力提高群众满意度", True),
        ("认真落实各项惠民政策", True),
        ("深入开展创先争优活动", True),
        ("带头学习提高", True),
        ("建成社区便民服务站", False),
        ("开办农民夜校，组织养殖技术培训", False),
        ("硬化村内巷道", False),
        ("每月走访困难群众一次", False),
        ("", False),
    ],
)
def test_only_stock_phrases_is_told_from_a_concrete_object(text, vague):
    assert is_only_stock_phrases(text) is vague


def test_what_remains_of_a_concrete_text_names_the_thing():
    assert "便民" not in concrete_remainder("建成社区便民服务站")
    assert "社区" in concrete_remainder("建成社区便民服务站")


def test_a_saved_item_is_checked_like_the_form_data(campaign):
    from pledges.tests.factories import make_pledge

    pledge = make_pledge(campaign, campaign.organization)
    assert item_warnings(pledge.items.get(), campaign) == []
    assert item_warnings(pledge.items.get(), None) == []


def test_without_a_campaign_the_date_is_not_checked_against_it():
    fields = GOOD_ITEMS["village lanes"] | {"due_date": datetime.date(2030, 1, 1)}
    assert item_warnings(fields, None) == []
