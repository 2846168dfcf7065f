"""The printed sheet of code slips: a Chinese A4 PDF, eight slips a page, each with
its QR code and its code in text; downloaded only by those who run an open round."""

import re

import pytest
import segno
from django.urls import reverse

from reviews.codes import SLIPS_PER_PART, code_sheet_html, code_sheet_pdf, format_code
from reviews.models import EvaluationCode, RoundState
from reviews.tests.factories import make_round

A4 = (595.28, 841.89)  # in points


@pytest.fixture
def running(county, campaign):
    return make_round(campaign, county.branch_a1, state=RoundState.OPEN, codes={"public": 11, "party_member": 6})


def codes_of(evaluation_round, category=None):
    codes = EvaluationCode.objects.filter(round=evaluation_round)
    if category:
        codes = codes.filter(category=category)
    return sorted(codes.values_list("code", flat=True))


def test_the_sheet_is_an_a4_pdf_of_eight_slips_a_page_in_chinese(running, read_pdf):
    pdf = code_sheet_pdf(running, base_url="https://pingyi.example.cn")
    assert pdf.startswith(b"%PDF")
    contents = read_pdf(pdf)
    assert len(contents.pages) == 3  # 17 codes, 8 a page
    assert all(size == pytest.approx(A4, abs=0.5) for size in contents.page_sizes)
    # A subset of the Noto CJK font is embedded, so the Chinese prints anywhere.
    assert any(re.fullmatch(r"[A-Z]{6}\+Noto-Sans-CJK-SC.*", name) for name in contents.fonts)
    assert all(font.font_file in ("FontFile2", "FontFile3") for font in contents.fonts.values())
    assert contents.missing_glyphs() == []
    squeezed = re.sub(r"\s+", "", "".join(contents.pages))
    for code in codes_of(running):
        assert format_code(code) in squeezed
    assert "红湾社区党支部" in squeezed and "群众代表" in squeezed and "党员" in squeezed
    assert "每个评议码只能使用一次" in squeezed


def test_each_slip_carries_its_qr_code_to_its_own_form_and_its_code_in_text(running, monkeypatch):
    encoded = []
    real_make = segno.make
    monkeypatch.setattr(segno, "make", lambda data, **options: encoded.append(data) or real_make(data, **options))
    html = code_sheet_html(running, base_url="https://pingyi.example.cn/")
    codes = codes_of(running)
    assert sorted(encoded) == sorted(
        f"https://pingyi.example.cn{reverse('ballot:form', args=[code])}" for code in codes
    )
    assert html.count("<svg") == len(codes)
    for code in codes:
        assert format_code(code) in html
    assert "https://pingyi.example.cn" + reverse("ballot:enter") in html
    assert "扫描二维码" in html and "每个评议码只能使用一次" in html
    assert 'font-family: "Noto Sans CJK SC", "Noto Serif CJK SC"' in html


def test_slips_are_grouped_by_category_and_a_sheet_can_hold_one_category(running):
    html = code_sheet_html(running, category="party_member")
    assert html.count("<svg") == 6
    assert all(format_code(code) in html for code in codes_of(running, "party_member"))
    assert not any(format_code(code) in html for code in codes_of(running, "public"))
    everything = code_sheet_html(running)
    positions = [everything.index(format_code(code)) for code in codes_of(running, "party_member")]
    assert max(positions) < min(everything.index(format_code(code)) for code in codes_of(running, "public"))


def test_a_big_round_prints_in_parts(county, campaign):
    evaluation_round = make_round(
        campaign, county.branch_a1, state=RoundState.OPEN, codes={"public": SLIPS_PER_PART + 3}
    )
    first = code_sheet_html(evaluation_round, category="public", part=1)
    second = code_sheet_html(evaluation_round, category="public", part=2)
    assert first.count("<svg") == SLIPS_PER_PART and second.count("<svg") == 3
    assert code_sheet_html(evaluation_round, category="public", part=3) is None


# ---------------------------------------------------------------------------
# The download
# ---------------------------------------------------------------------------


def test_the_secretary_downloads_the_sheet_and_nothing_caches_it(client, county, running, read_pdf):
    client.force_login(county.secretary_user_a1)
    response = client.get(reverse("reviews:code_sheet", args=[running.pk]) + "?category=party_member")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.startswith(b"%PDF") and len(read_pdf(response.content).pages) == 1


@pytest.mark.parametrize(
    ("state", "message"), [(RoundState.DRAFT, "评议尚未开始"), (RoundState.CLOSED, "评议码已作废")]
)
def test_no_sheet_before_opening_or_after_closing(client, county, campaign, state, message):
    client.force_login(county.secretary_user_a1)
    evaluation_round = make_round(campaign, county.branch_a1, state=state)
    response = client.get(reverse("reviews:code_sheet", args=[evaluation_round.pk]))
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_part_or_category_that_does_not_exist_is_404(client, county, running):
    client.force_login(county.secretary_user_a1)
    url = reverse("reviews:code_sheet", args=[running.pk])
    assert client.get(url + "?category=public&part=2").status_code == 404
    assert client.get(url + "?category=visitors").status_code == 404
    assert client.get(url + "?part=0").status_code == 404


@pytest.mark.parametrize(("who", "status"), [("inspector_b", 403), ("secretary_user_b1", 404), ("member_user_a1", 403)])
def test_only_those_who_run_the_round_may_print_its_codes(client, county, campaign, who, status):
    organization = county.branch_b1 if who == "inspector_b" else county.branch_a1
    evaluation_round = make_round(campaign, organization, state=RoundState.OPEN)
    client.force_login(getattr(county, who))
    response = client.get(reverse("reviews:code_sheet", args=[evaluation_round.pk]))
    assert response.status_code == status
    assert not response.content.startswith(b"%PDF")
