"""Official documents as PDF (campaign.infra.documents): GB/T 9704 layout, fonts embedded as
subsets with a glyph for every character (no tofu), tables that repeat their header and
never overflow, and the renderer's once-per-process font configuration."""

import base64
import datetime
import os

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from PIL import Image

from campaign.infra import documents
from campaign.infra.documents import (
    BASE_TEMPLATE,
    SAMPLE_TEMPLATE,
    SAMPLE_TEXT,
    Column,
    DocTable,
    missing_characters,
    render_html,
    render_pdf,
    sample_context,
)

MM = 72 / 25.4
A4 = (210 * MM, 297 * MM)
TYPE_AREA_LEFT = 28 * MM
TYPE_AREA_RIGHT = (210 - 26) * MM
TOLERANCE = 0.5  # points
HEADER = "序号单位参评人数满意基本满意不满意满意率备注"


def is_red(color):
    red, green, blue = color
    return red > 0.8 and green < 0.1 and blue < 0.1


@pytest.fixture(scope="session")
def render(read_pdf):
    """``render(context, template)``: the document as rendered, and as read back."""

    def render(context, template=SAMPLE_TEMPLATE):
        rendered = render_pdf(render_html(template, context))
        return rendered, read_pdf(rendered.data)

    return render


def plain_context(**overrides):
    """The base template's context, as the circulars pass it."""
    context = {
        "issuer_name": "中共肃南县委创先争优活动领导小组办公室",
        "number_text": "肃创办〔2010〕12号",
        "title": "关于表彰先进基层党组织的通报",
        "addressee": "各乡镇党委，县直各党（工）委",
        "preamble": "为进一步推动创先争优活动深入开展，县委决定表彰一批先进基层党组织。",
        "closing": "希望受到表彰的单位珍惜荣誉，再接再厉。",
        "issued_on": datetime.date(2010, 12, 20),
        "attachments": [],
    }
    return {**context, **overrides}


@pytest.fixture(scope="module")
def sample(render):
    """The sample circular with a table of 40 organizations (about nine pages)."""
    return render(sample_context(rows=40))


# --- Fonts: embedded, subset, a glyph for every character -------------------------------


def test_every_character_of_a_circular_is_drawn_from_an_embedded_subset_font(sample):
    _, contents = sample
    assert contents.fonts
    for font in contents.fonts.values():
        assert font.font_file in ("FontFile2", "FontFile3"), font.name
        assert font.program, font.name
        assert font.subset, f"{font.name} has no six-letter subset tag"
    assert contents.missing_glyphs() == []
    assert all(glyph.code != 0 for glyph in contents.glyphs)

    # Every kind of text a circular has is in the text layer: Chinese, 〔〕, full-width
    # punctuation, digits, %, Latin, the page number's dashes.
    text = "".join(contents.pages)
    for piece in SAMPLE_TEXT.split():
        assert piece in text, piece
    assert set(SAMPLE_TEXT) - {" "} <= set(text)


def test_the_glyph_checks_catch_a_character_no_font_has(read_pdf):
    # U+10FFFD is a private-use character no installed font draws: WeasyPrint shows .notdef.
    html = render_html(BASE_TEMPLATE, plain_context(preamble="这一段有一个没有字形的字：\U0010fffd。"))
    documents.warm_up()
    document, data = documents._renderer.render(html)
    assert missing_characters(document) == "\U0010fffd"  # the renderer's, at load
    assert {glyph.text for glyph in read_pdf(data).missing_glyphs()} == {"\U0010fffd"}  # the tests'


def test_the_renderer_refuses_to_start_on_fonts_that_lack_a_glyph(monkeypatch):
    monkeypatch.setattr(documents, "_renderer", None)
    monkeypatch.setattr(
        documents,
        "_sample_html",
        lambda: render_html(BASE_TEMPLATE, plain_context(preamble="缺字：\U0010fffd")),
    )
    with pytest.raises(ImproperlyConfigured, match="fonts-noto-cjk"):
        documents.warm_up()
    assert documents._renderer is None


def test_cjk_fonts_are_embedded_as_dense_cff_subsets_with_the_same_glyphs(read_pdf):
    """The renumbered subsets draw exactly the glyphs of WeasyPrint's own subsets."""
    from weasyprint import HTML

    html = render_html(SAMPLE_TEMPLATE, sample_context(rows=12))
    documents.warm_up()
    renderer = documents._renderer
    document = HTML(string=html).render(
        font_config=renderer.font_config, stylesheets=[renderer.stylesheet], **documents.PDF_OPTIONS
    )
    plain = read_pdf(document.write_pdf(**documents.PDF_OPTIONS))
    dense = read_pdf(render_pdf(html).data)

    assert [(glyph.code, glyph.text) for glyph in dense.glyphs] == [(glyph.code, glyph.text) for glyph in plain.glyphs]
    for name, font in dense.fonts.items():
        assert font.font_file_subtype == "CIDFontType0C"
        assert plain.fonts[name].font_file_subtype == "OpenType"
        assert len(font.program) < len(plain.fonts[name].program) / 4
        for cid in {glyph.code for glyph in dense.glyphs if glyph.font == name}:
            assert font.outlines.bounds(cid) == plain.fonts[name].outlines.bounds(cid)


# --- The layout of GB/T 9704 ------------------------------------------------------------


def test_pages_are_a4_and_no_text_leaves_the_type_area(sample):
    _, contents = sample
    for size in contents.page_sizes:
        assert size == pytest.approx(A4, abs=0.01)
    body_runs = [run for runs in contents.runs for run in runs]
    assert min(run.x for run in body_runs) == pytest.approx(TYPE_AREA_LEFT, abs=TOLERANCE)
    assert max(run.x_end for run in body_runs) <= TYPE_AREA_RIGHT + TOLERANCE


def test_the_red_header_carries_the_issuer_the_number_and_the_red_line(sample):
    _, contents = sample
    first = contents.runs[0]
    issuer = next(run for run in first if run.text == "中共肃南县委创先争优活动领导小组办公室")
    number = next(run for run in first if run.text == "肃创办〔2010〕12号")
    title = next(run for run in first if run.text == "关于2010年下半年群众评议结果的通报")
    assert is_red(issuer.color)
    assert "Bold" in issuer.font
    assert not is_red(number.color)
    assert issuer.y > number.y > title.y
    # The organ's name is centred on one line in the type area, however long it is.
    assert (issuer.x + issuer.x_end) / 2 == pytest.approx((TYPE_AREA_LEFT + TYPE_AREA_RIGHT) / 2, abs=1)
    assert issuer.x >= TYPE_AREA_LEFT - TOLERANCE and issuer.x_end <= TYPE_AREA_RIGHT + TOLERANCE
    # Under the number, the red separator line, as wide as the type area.
    (rule,) = [box for box in contents.rectangles[0] if is_red(box.color)]
    assert rule.left == pytest.approx(TYPE_AREA_LEFT, abs=TOLERANCE)
    assert rule.right == pytest.approx(TYPE_AREA_RIGHT, abs=TOLERANCE)
    assert rule.top - rule.bottom == pytest.approx(1.5, abs=0.1)
    assert number.y > rule.top > title.y
    assert not any(is_red(run.color) for run in first if run is not issuer)


def test_body_paragraphs_are_3_hao_indented_two_characters_22_lines_a_page(sample):
    _, contents = sample
    paragraph = next(run for run in contents.runs[0] if run.text.startswith("根据县委"))
    next_line = next(run for run in contents.runs[0] if run.text.startswith("月，全县"))
    assert paragraph.x == pytest.approx(TYPE_AREA_LEFT + 2 * 16, abs=TOLERANCE)  # 2 × 16pt
    assert next_line.x == pytest.approx(TYPE_AREA_LEFT, abs=TOLERANCE)
    assert paragraph.y - next_line.y == pytest.approx(225 * MM / 22, abs=0.1)


def test_page_numbers_are_dashed_and_on_the_outer_side_of_each_page(sample):
    rendered, contents = sample
    assert rendered.pages == len(contents.runs) > 2
    for number, runs in enumerate(contents.runs, 1):
        page_number = next(run for run in runs if run.text == f"— {number} —")
        assert "Noto-Serif-CJK-SC" in page_number.font
        if number % 2:
            assert page_number.x_end == pytest.approx(TYPE_AREA_RIGHT - 14, abs=TOLERANCE)  # one 4号 character in
        else:
            assert page_number.x == pytest.approx(TYPE_AREA_LEFT + 14, abs=TOLERANCE)


def test_the_signature_stands_right_with_the_date_two_characters_in(sample):
    _, contents = sample
    last_body_page = next(runs for runs in reversed(contents.runs) if any("2010年12月20日" == run.text for run in runs))
    organ = [run for run in last_body_page if run.text == "中共肃南县委创先争优活动领导小组办公室"][-1]
    date = next(run for run in last_body_page if run.text == "2010年12月20日")
    assert organ.x_end == pytest.approx(TYPE_AREA_RIGHT - 2 * 16, abs=TOLERANCE)
    assert date.x == pytest.approx(organ.x + 2 * 16, abs=TOLERANCE)
    assert date.y < organ.y


def test_several_attachments_are_numbered_and_one_is_not(render):
    _, several = render(plain_context(attachments=["先进基层党组织名单", "优秀共产党员名单"]), BASE_TEMPLATE)
    text = "".join(several.pages)
    assert "附件：1.先进基层党组织名单" in text and "2.优秀共产党员名单" in text
    runs = [run for run in several.runs[-1] if run.text in ("1.", "2.")]
    assert runs[0].x == pytest.approx(runs[1].x)  # the names align under each other

    _, one = render(plain_context(attachments=["先进基层党组织名单"]), BASE_TEMPLATE)
    assert "附件：先进基层党组织名单" in "".join(one.pages)


def test_a_preview_shows_a_grey_mark_instead_of_a_number(render):
    _, contents = render(plain_context(number_text=""), BASE_TEMPLATE)
    mark = next(run for run in contents.runs[0] if run.text == "（预览，未编号）")
    assert mark.color[0] == mark.color[1] == mark.color[2] and 0.3 < mark.color[0] < 0.8
    assert "肃创办" not in "".join(contents.pages)


def test_the_addressee_line_ends_with_one_full_width_colon():
    for addressee in ("各乡镇党委，县直各党（工）委", "各乡镇党委，县直各党（工）委："):
        html = render_html(BASE_TEMPLATE, plain_context(addressee=addressee))
        assert '<p class="addressee">各乡镇党委，县直各党（工）委：</p>' in html


def test_the_document_is_chinese_whatever_language_the_issuer_reads():
    with translation.override("en"):
        html = render_html(BASE_TEMPLATE, plain_context(number_text="", attachments=["名单"]))
    assert "（预览，未编号）" in html and "附件：" in html
    assert '<html lang="zh-Hans">' in html


# --- Tables -----------------------------------------------------------------------------


def test_the_table_header_repeats_on_every_page_and_no_row_splits(render):
    # Rows of one to five lines, each with a mark at its start and at its end.
    rows = [
        [index, f"R{index:03d}单位", 100, 90, 5, 5, "95.0%", "整改措施落实到位，" * (index % 5) + f"E{index:03d}"]
        for index in range(1, 61)
    ]
    context = sample_context(rows=2)
    context["table"] = DocTable(columns=context["table"].columns, rows=rows)
    _, contents = render(context)

    def page_of(mark):
        return next(number for number, page in enumerate(contents.pages) if mark in page)

    first, last = page_of("R001单位"), page_of("E060")
    assert last - first >= 2
    for page in contents.pages[first : last + 1]:
        assert HEADER in page
    for index in range(1, 61):
        assert page_of(f"R{index:03d}单位") == page_of(f"E{index:03d}"), f"row {index} is split over two pages"


def test_long_unbroken_text_in_a_narrow_column_wraps_inside_the_table(render):
    url = "http://dangjian.sunan.gov.cn/gk/7QH2XKD9MZ4WRP3TB6VN7QH2XKD9MZ4WRP3TB6VN/"
    number = "620721198801011234620721198801011234"
    table = DocTable(
        columns=[Column("序号", "8%", "center"), Column("链接", "12%"), Column("编号", "10%", "num"), Column("说明")],
        rows=[[1, url, number, "Supercalifragilisticexpialidocious" * 3]],
    )
    context = sample_context(rows=2)
    context["table"] = table
    _, contents = render(context)
    runs = [run for runs in contents.runs for run in runs]
    assert max(run.x_end for run in runs) <= TYPE_AREA_RIGHT + TOLERANCE
    pieces = [run for run in runs if run.text and run.text in url]
    assert len(pieces) > 2 and "".join(run.text for run in pieces).startswith("http://")
    assert len({round(run.x, 1) for run in pieces}) == 1  # each piece starts a new line of the cell


def test_a_doc_table_needs_one_cell_per_column():
    with pytest.raises(ValueError, match="2 cells"):
        DocTable(columns=[Column("单位"), Column("满意率")], rows=[["红湾寺镇党委"]])
    with pytest.raises(ValueError, match="2 cells"):
        DocTable(columns=[Column("单位"), Column("满意率")], rows=[], total=["合计"])


def test_a_total_row_comes_once_after_the_rows(sample):
    _, contents = sample
    text = "".join(contents.pages)
    assert text.count("合计") == 1
    assert text.index("合计") > text.index("40")


# --- The renderer ----------------------------------------------------------------------


def test_renders_share_one_font_configuration_and_one_parsed_stylesheet(monkeypatch):
    import weasyprint
    from weasyprint.text import fonts

    documents.warm_up()
    renderer = documents._renderer
    made = []

    def counted(name, original):
        def init(*args, **kwargs):
            made.append(name)
            original(*args, **kwargs)

        return init

    monkeypatch.setattr(fonts.FontConfiguration, "__init__", counted("fonts", fonts.FontConfiguration.__init__))
    monkeypatch.setattr(weasyprint.CSS, "__init__", counted("stylesheet", weasyprint.CSS.__init__))

    html = render_html(BASE_TEMPLATE, plain_context())
    first, second = render_pdf(html), render_pdf(html)

    assert made == []
    assert documents._renderer is renderer
    assert first.pages == second.pages == 1
    assert first.seconds > 0


def test_a_forked_worker_process_makes_its_own_renderer():
    documents.warm_up()
    child = os.fork()
    if child == 0:  # the child, as a Celery prefork worker would be
        os._exit(0 if documents._renderer is None and not documents._lock.locked() else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert documents._renderer is not None


def test_the_same_document_gives_the_same_bytes():
    html = render_html(BASE_TEMPLATE, plain_context())
    assert render_pdf(html).data == render_pdf(html).data


def test_documents_fetch_no_files_or_urls_only_data_uris(tmp_path, read_pdf):
    picture = tmp_path / "seal.png"
    Image.new("RGB", (40, 40), (230, 0, 0)).save(picture)
    inline = "data:image/png;base64," + base64.b64encode(picture.read_bytes()).decode()
    html = render_html(BASE_TEMPLATE, plain_context())
    with_file = html.replace("</main>", f'<img src="file://{picture}" alt=""></main>')
    with_data = html.replace("</main>", f'<img src="{inline}" alt=""></main>')

    assert read_pdf(render_pdf(with_file).data).images == 0
    assert read_pdf(render_pdf(with_data).data).images == 1


def test_a_20_page_circular_stays_under_500_kb():
    rendered = render_pdf(render_html(SAMPLE_TEMPLATE, sample_context(rows=128)))
    assert rendered.pages >= 20
    assert len(rendered.data) < 500 * 1024


def test_render_pdf_reports_pages_and_time(sample):
    rendered, contents = sample
    assert rendered.data.startswith(b"%PDF-1.7")
    assert rendered.pages == len(contents.pages)
    assert rendered.seconds > 0
