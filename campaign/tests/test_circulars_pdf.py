"""Real PDFs of every kind of circular, rendered by WeasyPrint through the task: the
number, the title and the data are in the PDF's text, in a CJK font with no missing glyph."""

import datetime
import re

import pytest

from campaign.circulars.models import CircularKind, CircularState
from campaign.circulars.services import CircularInput, circular_create, circular_issue
from campaign.tests import circular_fixtures as fx

TODAY = datetime.date(2012, 7, 2)


def setup_evaluation(c, campaign):
    fx.tallied_rounds(c, campaign)
    return {"period_start": datetime.date(2010, 7, 1)}, ["钟建军", "80.00%", "北极村党支部"]


def setup_reports(c, campaign):
    fx.reports(c, campaign)
    return {"period_start": datetime.date(2011, 1, 1)}, ["红湾寺镇党委", "81.5%", "许三湾村党支部"]


def setup_progress(c, campaign):
    fx.reports(c, campaign)
    return {"period_start": datetime.date(2011, 3, 1)}, ["测试县委本级", "康乐乡党委"]


def setup_ranking(c, campaign):
    return {"score_period": fx.finalized_period(c, campaign)}, ["88.50", "承诺覆盖率", "许三湾村党支部"]


def setup_commendation(c, campaign):
    fx.selected_models(c, campaign)
    return {"period_start": datetime.date(2011, 1, 1)}, ["红湾社区党支部", "钟建军", "带头修缮社区道路"]


def setup_monthly(c, campaign):
    fx.monthly_values(c, campaign)
    return {"period_start": fx.MARCH_2011}, ["优质护理病房覆盖率", "70.00%（未达标）", "许三湾村党支部", "红湾寺镇党委"]


SETUPS = {
    CircularKind.EVALUATION: setup_evaluation,
    CircularKind.REPORTS: setup_reports,
    CircularKind.PROGRESS: setup_progress,
    CircularKind.RANKING: setup_ranking,
    CircularKind.COMMENDATION: setup_commendation,
    CircularKind.MONTHLY: setup_monthly,
}


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("kind", list(SETUPS))
def test_each_kind_renders_a_pdf_with_its_number_title_and_data(
    county, campaign, kind, django_capture_on_commit_callbacks, read_pdf
):
    period, expected = SETUPS[kind](county, campaign)
    circular = circular_create(
        campaign=campaign,
        kind=kind,
        texts=CircularInput(
            preamble="根据县委安排，现将有关情况通报如下。", closing="特此通报。", attachments=["统计表"]
        ),
        by=county.office,
        today=datetime.date(2012, 6, 30),
        **period,
    )
    with django_capture_on_commit_callbacks(execute=True):
        circular_issue(circular=circular, by=county.office, today=TODAY)
    circular.refresh_from_db()

    assert circular.state == CircularState.ISSUED, circular.error
    data = circular.pdf.read()
    assert data.startswith(b"%PDF")
    contents = read_pdf(data)
    assert len(contents.pages) == circular.pages >= 1
    text = flat("".join(contents.pages))
    for wanted in (circular.number_text, circular.title, circular.issuer_name, "特此通报。", "2012年7月2日", *expected):
        assert flat(wanted) in text, wanted
    assert not contents.missing_glyphs()
    assert any("CJK" in name or "Noto" in name for name in contents.fonts), contents.fonts
