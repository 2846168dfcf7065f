"""The vague-pledge check: why a pledge item looks 空乏、大话套话多、不具体.

The speeches complain of pledges nobody can hold anyone to, such as "进一步加强学习，
切实提高服务水平". An item is checked before it is submitted and again on the approval
page; the reasons are warnings for people to read, never a block, because a check made
of word lists will sometimes be wrong and the secretary knows the work better.

The stock-phrase test works without a word segmenter: it deletes the stock phrases,
the all-purpose words that campaign writing is made of (加强, 水平, 服务, 群众 …) and
function words, and asks whether anything is left: a number, a place, a facility, a
named thing. "建成社区便民服务站" keeps "建成社区站"; "努力提高群众满意度" keeps nothing.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping

from django.utils.translation import gettext as _

from campaign.campaigns.models import Campaign
from pledges.models import PledgeItem

# 大话套话: adverbs and set phrases that promise effort without saying what is done.
STOCK_PHRASES = (
    "进一步",
    "切实加强",
    "切实提高",
    "切实",
    "努力提高",
    "努力",
    "不断深化",
    "不断提升",
    "不断提高",
    "不断加强",
    "不断完善",
    "不断",
    "全面推进",
    "全面提升",
    "全面加强",
    "全面",
    "大力弘扬",
    "大力推进",
    "大力",
    "积极开展",
    "积极参与",
    "积极",
    "认真落实",
    "认真贯彻",
    "认真",
    "扎实推进",
    "扎实开展",
    "扎实",
    "着力",
    "深入开展",
    "深入推进",
    "深入",
    "狠抓",
    "持续",
    "更加",
    "始终",
    "坚持",
    "力争",
    "确保",
    "高标准",
    "严要求",
    "全方位",
    "多层次",
    "新局面",
    "新水平",
    "新台阶",
    "新成效",
    "新突破",
    "上台阶",
    "上水平",
    "见实效",
    "取得实效",
    "明显成效",
    "显著成效",
    "圆满完成",
    "加大力度",
)

# Words every campaign text uses; on their own they name no deed, place or thing.
GENERIC_WORDS = (
    # verbs
    "加强",
    "提高",
    "提升",
    "深化",
    "推进",
    "推动",
    "促进",
    "加快",
    "落实",
    "开展",
    "增强",
    "强化",
    "完善",
    "健全",
    "改进",
    "改善",
    "优化",
    "弘扬",
    "发扬",
    "树立",
    "发挥",
    "贯彻",
    "学习",
    "服务",
    "做好",
    "搞好",
    "抓好",
    "办好",
    "建设",
    "创新",
    "规范",
    "坚定",
    "保持",
    "维护",
    "营造",
    "形成",
    "打造",
    "实现",
    "做到",
    "带头",
    "争创",
    "创建",
    "争当",
    "争做",
    "参与",
    "关心",
    "帮助",
    "解决",
    "取得",
    "完成",
    # nouns and adjectives
    "水平",
    "能力",
    "素质",
    "意识",
    "作风",
    "工作",
    "质量",
    "效率",
    "效能",
    "管理",
    "理论",
    "思想",
    "政治",
    "觉悟",
    "业务",
    "知识",
    "技能",
    "形象",
    "宗旨",
    "观念",
    "责任心",
    "责任",
    "精神",
    "作用",
    "先锋模范",
    "模范",
    "先锋",
    "党性",
    "修养",
    "氛围",
    "风气",
    "正气",
    "纪律",
    "制度",
    "机制",
    "体系",
    "队伍",
    "班子",
    "组织",
    "基层",
    "党员",
    "干部",
    "群众",
    "人民",
    "同志",
    "大家",
    "自身",
    "自我",
    "本职",
    "岗位",
    "各项",
    "各方面",
    "方面",
    "领域",
    "力度",
    "活动",
    "创先争优",
    "科学发展",
    "发展",
    "和谐",
    "经济",
    "社会",
    "稳定",
    "团结",
    "廉洁",
    "勤政",
    "务实",
    "高效",
    "满意度",
    "满意",
    "热情",
    "优质",
    "良好",
    "优良",
    "先进",
    "一流",
    "全心全意",
    "为人民服务",
    "惠民",
    "便民",
    "利民",
    "为民",
    "实事",
    "好事",
    "难事",
    "问题",
    "困难",
    "需求",
    "利益",
    "政策",
    "目标",
    "任务",
    "要求",
    "标准",
    "成绩",
    "业绩",
    "佳绩",
    "成效",
    "实效",
    "效果",
    "明显",
    "显著",
    "主动",
    "自觉",
)

# Single characters that carry no object once the words around them are gone.
FILLER_CHARACTERS = set(
    "的地得和与及并把将在为对以了着等更好新高大多全各其之中上下里使让能要会是有于由从向"
    "我们自己本所办做抓搞干求创争强深实广体度党事"
)

# Phrases with numerals in them that are names, not quantities ("五个好" is a standard).
NUMERAL_IDIOMS = (
    "千家万户",
    "一心一意",
    "全心全意",
    "一以贯之",
    "一如既往",
    "一丝不苟",
    "万众一心",
    "三个代表",
    "五个好",
    "五带头",
    "三好一满意",
    "两代表一委员",
    "一岗双责",
    "一把手",
    "第一",
    "一流",
    "一线",
    "统一",
    "一致",
    "一体",
    "进一步",
)

MEASURE_WORDS = (
    "个|件|次|户|人|名|位|场|期|项|所|座|间|条|米|公里|千米|元|万元|亩|吨|台|辆|篇|份|本|册|家|处|"
    "天|日|周|月|年|季度|小时|课时|节|盏|棵|株|公顷|平方米|村|组|支|轮|趟|届|岁|套|张|块|眼|口"
)
_QUANTITY = re.compile(
    r"[0-9０-９]|百分之|[一二两三四五六七八九十百千万半]+(?:" + MEASURE_WORDS + r")|"
    r"年底|年末|月底|月末|上半年|下半年|季度|每月|每周|每季|每年|每天|每日|每半年"
)
_PUNCTUATION_AND_SPACE = re.compile(r"[\s，。、；：,.;:！!？?（）()“”\"'《》【】—\-·/…]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")

# Fewer meaningful characters than this and a result cannot say what will be reached.
MIN_RESULT_LENGTH = 6

_STRIPPED_WORDS = sorted(set(STOCK_PHRASES) | set(GENERIC_WORDS), key=len, reverse=True)

# The item's text fields, in the order the form shows them.
TEXT_FIELDS = ("target", "work", "practical_things", "measurable_result")


def _compact(text: str) -> str:
    return _PUNCTUATION_AND_SPACE.sub("", text or "")


def has_quantity(text: str) -> bool:
    """A number, a date, a count or a frequency ("每月"), outside idioms like 五个好."""
    for idiom in NUMERAL_IDIOMS:
        text = text.replace(idiom, "")
    return bool(_QUANTITY.search(text))


def stock_phrases_in(text: str) -> list[str]:
    """The stock phrases the text uses, each once, in the order they appear; a longer
    phrase wins over the shorter one inside it ("切实提高", not "切实")."""
    found = []
    rest = text
    for phrase in sorted(STOCK_PHRASES, key=len, reverse=True):
        if phrase in rest:
            found.append(phrase)
            rest = rest.replace(phrase, "\0" * len(phrase))
    return sorted(found, key=text.find)


def concrete_remainder(text: str) -> str:
    """What is left of the text once stock phrases, all-purpose words and fillers are gone."""
    rest = _compact(text)
    for word in (*NUMERAL_IDIOMS, *_STRIPPED_WORDS):
        rest = rest.replace(word, "")
    return "".join(char for char in rest if char not in FILLER_CHARACTERS)


def is_only_stock_phrases(text: str) -> bool:
    """True when the text says nothing concrete: no quantity and fewer than two
    characters left after removing what campaign writing always says."""
    if not _compact(text) or has_quantity(text):
        return False
    remainder = concrete_remainder(text)
    return len(_CJK.findall(remainder)) + len(re.findall(r"[A-Za-z]", remainder)) < 2


def _field(item, name: str):
    if isinstance(item, Mapping):
        return item.get(name)
    return getattr(item, name, None)


def _label(name: str) -> str:
    return str(PledgeItem._meta.get_field(name).verbose_name)


def item_warnings(item, campaign: Campaign | None) -> list[str]:
    """Why the item looks vague, in words for the secretary and the approver; empty if
    nothing was found. ``item`` is a PledgeItem or a mapping of its fields (a form's
    cleaned data). Runs no query."""
    warnings = []
    target = (_field(item, "target") or "").strip()
    work = (_field(item, "work") or "").strip()
    result = (_field(item, "measurable_result") or "").strip()
    due_date = _field(item, "due_date")

    for name, text in (("target", target), ("work", work)):
        if not text:
            warnings.append(_("没有填写“%(field)s”。") % {"field": _label(name)})

    if not result:
        warnings.append(_("没有填写“可衡量的成效”，到时无法检验是否兑现。"))
    else:
        if not has_quantity(result):
            warnings.append(_("“可衡量的成效”里没有数字、日期或数量，到时无法检验是否兑现。"))
        if len(_compact(result)) < MIN_RESULT_LENGTH:
            warnings.append(
                _("“可衡量的成效”只有%(count)d个字，说不清要达到什么程度。") % {"count": len(_compact(result))}
            )

    for name in TEXT_FIELDS:
        text = (_field(item, name) or "").strip()
        if not is_only_stock_phrases(text):
            continue
        phrases = stock_phrases_in(text)
        if phrases:
            warnings.append(
                _("“%(field)s”只有“%(phrases)s”一类的套话，没有写具体做什么事、做多少、在哪里。")
                % {"field": _label(name), "phrases": "”“".join(phrases[:3])}
            )
        else:
            warnings.append(_("“%(field)s”写得太笼统，看不出具体做什么事、做多少。") % {"field": _label(name)})

    if due_date is None:
        warnings.append(_("没有填写完成时限。"))
    elif campaign is not None and isinstance(due_date, datetime.date) and not campaign.contains_date(due_date):
        warnings.append(
            _("完成时限%(due)s不在活动期间（%(start)s至%(end)s）内。")
            % {
                "due": due_date.isoformat(),
                "start": campaign.starts_on.isoformat(),
                "end": campaign.ends_on.isoformat(),
            }
        )

    texts = [(name, _compact(_field(item, name) or "")) for name in TEXT_FIELDS]
    for index, (name, text) in enumerate(texts):
        for other, other_text in texts[index + 1 :]:
            if text and text == other_text:
                warnings.append(
                    _("“%(first)s”和“%(second)s”写的是同一段话，请分别写清楚。")
                    % {"first": _label(name), "second": _label(other)}
                )
    return warnings


def pledge_warnings(*, has_opinions: bool, item_count: int) -> list[str]:
    """Warnings about the pledge as a whole, beside those of its items."""
    warnings = []
    if not has_opinions:
        warnings.append(_("还没有登记征求群众意见的情况；承诺应当以群众的意见建议为依据。"))
    if not item_count:
        warnings.append(_("还没有具体承诺事项。"))
    return warnings
