import datetime

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def cn_date(value) -> str:
    """A date as official documents write it, 2012年11月5日; a snapshot's ISO text or a date."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return _("%(year)s年%(month)s月%(day)s日") % {"year": value.year, "month": value.month, "day": value.day}


@register.filter
def cn_month(value) -> str:
    """A month as documents write it, 2012年10月, from ISO text or a date."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value[:10])
    return _("%(year)s年%(month)s月") % {"year": value.year, "month": value.month}


CHINESE_NUMERALS = "一二三四五六七八九十"


@register.filter
def cn_ordinal(value) -> str:
    """1 → 一, 11 → 十一: the numbering of a document's sections (一、二、…)."""
    number = int(value)
    if number <= 10:
        return CHINESE_NUMERALS[number - 1]
    if number < 20:
        return "十" + CHINESE_NUMERALS[number - 11]
    tens, ones = divmod(number, 10)
    return CHINESE_NUMERALS[tens - 1] + "十" + (CHINESE_NUMERALS[ones - 1] if ones else "")
