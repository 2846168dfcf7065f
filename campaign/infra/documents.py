"""Official documents (公文) as PDF: the template, the renderer and its glyph check.

A circular type's template extends ``campaign/documents/official.html`` (GB/T 9704 layout, the red
header, page numbers as "— 1 —"); ``render_html`` fills it and ``render_pdf`` turns the HTML
into a PDF with WeasyPrint.

Speed. A worker renders many documents, so everything that does not depend on the document
is made once per process, lazily, and kept: the font configuration (fontconfig's and
Pango's, which keep the CJK faces they have opened) and the parsed stylesheet
(``static/documents/official.css``, found through the staticfiles finders). The CJK fonts
are the system's (fonts-noto-cjk, which scripts/system-packages.sh installs), found through
fontconfig's cache, never @font-face files, which WeasyPrint would copy and fontconfig
rescan for every new configuration. The first load also renders a sample with every kind
of character a circular has and refuses to go on if any of them has no glyph
(``missing_characters``): an issued document never changes, so a server without the CJK
fonts must fail loudly rather than issue boxes (豆腐块). ``warm_up`` does that load ahead of
the first document, e.g. when a Celery worker process starts.

Size. Fonts are embedded as subsets of the glyphs used, without hinting; streams and
objects are compressed; images are recompressed losslessly. WeasyPrint subsets keeping
every glyph's original number, so a CJK subset still carries some 60,000 empty glyph
slots (about 130 KB a font once compressed, most of a circular's size); ``_CffCompactor``
renumbers each subset's glyphs densely, which CID-keyed CFF fonts such as Noto CJK allow
without touching the text: the page content names glyphs by CID, and the font's charset
maps CIDs to its glyphs.

Reading a PDF back is for the tests and the bench, which use pypdf (a development
requirement); the glyph check reads WeasyPrint's own record of the fonts it used.
"""

from __future__ import annotations

import datetime
import io
import logging
import os
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger(__name__)

STYLESHEET = "documents/official.css"
BASE_TEMPLATE = "campaign/documents/official.html"
SAMPLE_TEMPLATE = "campaign/documents/sample.html"

# WeasyPrint's options for a small file. Subsetting (full_fonts off) is what keeps a
# CJK document small: a whole Noto CJK face is 20 MB, the few hundred glyphs of a
# circular some tens of KB. Hinting is for screens at small sizes; PDF viewers and
# printers do without it. Version 1.7 allows object streams, which compress the
# many small dictionaries.
PDF_OPTIONS = {
    "full_fonts": False,
    "hinting": False,
    "uncompressed_pdf": False,
    "optimize_images": True,
    "pdf_version": "1.7",
}

# Every kind of text a circular has: the check at load time renders it and the tests
# read it back. Chinese of the domain, a document number with 〔〕, full-width
# punctuation, digits, percentages, Latin and the page number's dashes.
SAMPLE_TEXT = (
    "中共肃南裕固族自治县委创先争优活动领导小组办公室 肃创办〔2010〕12号 "
    "关于2010年下半年群众评议结果的通报 各乡镇党委，县直各党（工）委： "
    "“五个好”“五带头”、公开承诺。满意率：92.5%；不满意（不了解）3人 "
    "红湾寺镇 康乐乡 大河乡 马蹄藏族乡 皇城镇 祁丰藏族乡 白银蒙古族乡 "
    "2010年12月20日 附件：1.测评结果汇总表 — 1 — Sunan County, No. 12, A-3/4 ① 〇 ·"
)


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int
    seconds: float


class _Renderer:
    """What every render shares: made once per process (see the module docstring)."""

    def __init__(self):
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration
        from weasyprint.urls import URLFetcher

        path = finders.find(STYLESHEET)
        if path is None:
            raise ImproperlyConfigured(f"The documents' stylesheet {STYLESHEET} is not in the static files.")
        self.font_config = FontConfiguration()
        self.stylesheet = CSS(filename=path, font_config=self.font_config)
        # Documents are made from our templates: nothing in them is fetched from a
        # network or a file (a data: URI, e.g. an inline image, is all they may use), so
        # text that a user typed can never make the server request a URL.
        self.url_fetcher = URLFetcher(allowed_protocols={"data"})
        self.compactor = _CffCompactor.load()

    def render(self, html: str):
        from weasyprint import HTML

        document = HTML(string=html, base_url=None, url_fetcher=self.url_fetcher).render(
            font_config=self.font_config, stylesheets=[self.stylesheet], **PDF_OPTIONS
        )
        finisher = self.compactor.compact_pdf_fonts if self.compactor else None
        return document, document.write_pdf(finisher=finisher, **PDF_OPTIONS)


_lock = threading.Lock()
_renderer: _Renderer | None = None


def _forget_renderer_in_child() -> None:
    # A forked child (Celery prefork, gunicorn --preload) must not share Pango's state
    # with its parent, nor inherit our lock held by a thread that does not exist in it.
    global _lock, _renderer
    _lock = threading.Lock()
    _renderer = None


os.register_at_fork(after_in_child=_forget_renderer_in_child)


def _loaded_renderer() -> _Renderer:
    """The process's renderer, made and checked on first use; call with _lock held."""
    global _renderer
    if _renderer is None:
        renderer = _Renderer()
        document, _ = renderer.render(_sample_html())
        missing = missing_characters(document)
        if missing:
            raise ImproperlyConfigured(
                f"The CJK fonts lack glyphs for {missing!r}: install fonts-noto-cjk (scripts/system-packages.sh)."
            )
        _renderer = renderer
    return _renderer


def warm_up() -> None:
    """Load the fonts and the stylesheet now instead of in the first document's render."""
    with _lock:
        _loaded_renderer()


def render_pdf(html: str) -> RenderedPdf:
    """The HTML (from ``render_html``) as a PDF. Renders one at a time per process: Pango's
    font map is shared and not meant for several threads at once, and a render is all
    CPU, so threads would not make it faster anyway."""
    start = time.perf_counter()
    with _lock:
        renderer = _loaded_renderer()
        document, data = renderer.render(html)
    return RenderedPdf(data=data, pages=len(document.pages), seconds=time.perf_counter() - start)


def render_html(template_name: str, context: dict[str, Any]) -> str:
    """The document's HTML. Always in the document's own language (the site's, Chinese):
    an official document does not change with the language of whoever issued it."""
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(template_name, context)


def _sample_html() -> str:
    return render_html(SAMPLE_TEMPLATE, sample_context(rows=6))


# --- Dense CJK subsets -----------------------------------------------------------------

_HARFBUZZ_DECLARATIONS = """
typedef struct hb_blob_t hb_blob_t;
typedef struct hb_face_t hb_face_t;
typedef struct hb_set_t hb_set_t;
typedef struct hb_subset_input_t hb_subset_input_t;
hb_blob_t *hb_blob_create(const char *data, unsigned int length, int mode, void *user_data, void *destroy);
const char *hb_blob_get_data(hb_blob_t *blob, unsigned int *length);
void hb_blob_destroy(hb_blob_t *blob);
hb_face_t *hb_face_create(hb_blob_t *blob, unsigned int index);
hb_blob_t *hb_face_reference_table(const hb_face_t *face, uint32_t tag);
void hb_face_destroy(hb_face_t *face);
void hb_set_add(hb_set_t *set, uint32_t codepoint);
hb_subset_input_t *hb_subset_input_create_or_fail(void);
hb_set_t *hb_subset_input_glyph_set(hb_subset_input_t *input);
void hb_subset_input_set_flags(hb_subset_input_t *input, unsigned int value);
hb_face_t *hb_subset_or_fail(hb_face_t *source, const hb_subset_input_t *input);
void hb_subset_input_destroy(hb_subset_input_t *input);
"""
_HB_MEMORY_MODE_DUPLICATE = 0
_HB_SUBSET_FLAGS_NO_HINTING = 0x1
_HB_SUBSET_FLAGS_NOTDEF_OUTLINE = 0x40
_CFF_TAG = int.from_bytes(b"CFF ", "big")


def _reference_number(reference: bytes) -> int:
    return int(reference.split()[0])


class _CffCompactor:
    """Renumbers the glyphs of WeasyPrint's CJK subsets densely (see the module docstring).

    HarfBuzz's subsetter does the work, as it does for WeasyPrint, called here directly
    through cffi (both come with WeasyPrint): it keeps each glyph's CID in the new
    font's charset, and takes milliseconds where fontTools would take a good part of a
    second. Only CID-keyed CFF fonts are changed, embedded as bare CFF (FontFile3 of
    subtype CIDFontType0C, the form PDF viewers have read CJK fonts in for decades);
    TrueType fonts and name-keyed CFF fonts, whose glyphs are found by number, are left
    as WeasyPrint made them."""

    def __init__(self, ffi, harfbuzz, harfbuzz_subset):
        self.ffi = ffi
        self.harfbuzz = harfbuzz
        self.harfbuzz_subset = harfbuzz_subset

    @classmethod
    def load(cls) -> _CffCompactor | None:
        import cffi

        ffi = cffi.FFI()
        ffi.cdef(_HARFBUZZ_DECLARATIONS)
        try:
            harfbuzz = ffi.dlopen("libharfbuzz.so.0")
            harfbuzz_subset = ffi.dlopen("libharfbuzz-subset.so.0")
        except OSError:
            logger.warning("libharfbuzz-subset is missing: CJK fonts are embedded as WeasyPrint subsets them (larger).")
            return None
        return cls(ffi, harfbuzz, harfbuzz_subset)

    def cff_subset(self, font_file: bytes, glyphs: Iterable[int]) -> bytes | None:
        """The CFF table of the OpenType ``font_file`` with only ``glyphs`` (and .notdef),
        renumbered; None when HarfBuzz cannot subset it."""
        ffi, harfbuzz, harfbuzz_subset = self.ffi, self.harfbuzz, self.harfbuzz_subset
        blob = harfbuzz.hb_blob_create(font_file, len(font_file), _HB_MEMORY_MODE_DUPLICATE, ffi.NULL, ffi.NULL)
        face = harfbuzz.hb_face_create(blob, 0)
        harfbuzz.hb_blob_destroy(blob)  # the face holds its own reference
        plan = harfbuzz_subset.hb_subset_input_create_or_fail()
        try:
            if plan == ffi.NULL:
                return None
            glyph_set = harfbuzz_subset.hb_subset_input_glyph_set(plan)
            for glyph in glyphs:
                harfbuzz.hb_set_add(glyph_set, glyph)
            harfbuzz_subset.hb_subset_input_set_flags(
                plan, _HB_SUBSET_FLAGS_NO_HINTING | _HB_SUBSET_FLAGS_NOTDEF_OUTLINE
            )
            subset = harfbuzz_subset.hb_subset_or_fail(face, plan)
            if subset == ffi.NULL:
                return None
            table = harfbuzz.hb_face_reference_table(subset, _CFF_TAG)
            length = ffi.new("unsigned int *")
            data = harfbuzz.hb_blob_get_data(table, length)
            cff = bytes(ffi.buffer(data, length[0])) if length[0] else None
            harfbuzz.hb_blob_destroy(table)
            harfbuzz.hb_face_destroy(subset)
            return cff
        finally:
            if plan != ffi.NULL:
                harfbuzz_subset.hb_subset_input_destroy(plan)
            harfbuzz.hb_face_destroy(face)

    def compact_pdf_fonts(self, document, pdf) -> None:
        """WeasyPrint's finisher: replaces each CID-keyed OpenType font file of ``pdf`` (a
        pydyf.PDF about to be written) with its dense CFF subset."""
        import pydyf

        objects = {obj.number: obj for obj in pdf.objects if obj is not None and hasattr(obj, "number")}
        used: dict[int, set[int]] = {}
        for obj in objects.values():
            if not (isinstance(obj, pydyf.Dictionary) and obj.get("Subtype") == "/CIDFontType0" and "W" in obj):
                continue
            descriptor = objects[_reference_number(obj["FontDescriptor"])]
            if "FontFile3" in descriptor:
                used.setdefault(_reference_number(descriptor["FontFile3"]), set()).update(_width_cids(obj["W"]))
        for number, cids in used.items():
            stream = objects[number]
            if stream.extra.get("Subtype") != "/OpenType" or len(stream.stream) != 1:
                continue
            font_file = bytes(stream.stream[0])
            if not _cid_keyed(_opentype_table(font_file, b"CFF ")):
                continue
            cff = self.cff_subset(font_file, sorted(cids))
            if cff is None or not _cid_keyed(cff):
                logger.warning("Could not renumber the glyphs of an embedded CJK font; it stays as it was.")
                continue
            stream.stream = [cff]
            stream.extra["Subtype"] = "/CIDFontType0C"


def _width_cids(widths: Sequence) -> set[int]:
    """The CIDs a font's /W array gives widths for (WeasyPrint lists exactly the glyphs used)."""
    cids: set[int] = set()
    items = list(widths)
    for start, run in zip(items[::2], items[1::2], strict=True):
        cids.update(range(start, start + len(run)))
    return cids


def _opentype_table(font_file: bytes, tag: bytes) -> bytes:
    from fontTools.ttLib import TTFont

    reader = TTFont(io.BytesIO(font_file), lazy=True).reader
    return reader[tag] if tag in reader else b""


def _cid_keyed(cff: bytes) -> bool:
    from fontTools.cffLib import CFFFontSet

    if not cff:
        return False
    fonts = CFFFontSet()
    fonts.decompile(io.BytesIO(cff), None)
    return hasattr(fonts.topDictIndex[0], "ROS")


# A circular's words, for the sample document (the load-time check, the tests, the bench).
_TOWNSHIPS = ("红湾寺镇", "皇城镇", "康乐乡", "大河乡", "马蹄藏族乡", "祁丰藏族乡", "白银蒙古族乡", "明花乡")
_BRANCHES = (
    "党委",
    "机关党支部",
    "红湾社区党支部",
    "第一村党支部",
    "牧业村党总支",
    "中心学校党支部",
    "卫生院党支部",
    "农牧业综合服务站党支部",
)
_REMARKS = (
    "",
    "达到90%",
    "未达到90%，已于2011年1月10日前完成补课整改",
    "群众反映道路硬化、饮水安全等问题较多，已列入年度承诺事项，由乡党委挂牌督办",
    "不了解票3张不计入",
    "公开栏：http://dangjian.sunan.gov.cn/gk/7QH2XKD9MZ4WRP3TB6VN/",
)


def sample_context(*, rows: int, seed: int = 2010) -> dict[str, Any]:
    """The context of campaign/documents/sample.html: a circular on a round of mass evaluation,
    with ``rows`` organizations in its table (figures drawn from ``seed``, so a size
    always gives the same document)."""
    import random
    from decimal import ROUND_HALF_UP, Decimal

    chance = random.Random(seed)
    table_rows = []
    totals = [0, 0, 0, 0]
    for index in range(1, rows + 1):
        township = _TOWNSHIPS[index % len(_TOWNSHIPS)]
        branch = _BRANCHES[(index // len(_TOWNSHIPS)) % len(_BRANCHES)]
        voters = chance.randint(18, 160)
        unaware = chance.randint(0, voters // 10)
        satisfied = chance.randint((voters - unaware) * 6 // 10, voters - unaware)
        basic = chance.randint(0, voters - unaware - satisfied)
        rate = Decimal(100 * (satisfied + basic)) / (voters - unaware)
        figures = [voters, satisfied, basic, voters - unaware - satisfied - basic]
        totals = [total + figure for total, figure in zip(totals, figures, strict=True)]
        table_rows.append(
            [
                index,
                f"{township}{branch}",
                *figures,
                f"{rate.quantize(Decimal('0.1'), ROUND_HALF_UP)}%",
                _REMARKS[chance.randrange(len(_REMARKS))],
            ]
        )
    columns = [
        Column("序号", "7%", "center"),
        Column("单位", "21%"),
        Column("参评人数", "12.5%", "num"),
        Column("满意", "7%", "num"),
        Column("基本满意", "12.5%", "num"),
        Column("不满意", "10%", "num"),
        Column("满意率", "10%", "num"),
        Column("备注"),
    ]
    overall = Decimal(100 * (totals[1] + totals[2])) / max(1, sum(totals[1:]))
    table = DocTable(
        columns=columns,
        rows=table_rows,
        caption="2010年下半年群众评议结果汇总表",
        total=["", "合计", *totals, f"{overall.quantize(Decimal('0.1'), ROUND_HALF_UP)}%", ""],
    )
    below = [row for row in table_rows if Decimal(row[6].rstrip("%")) < 90]
    annex_table = DocTable(
        columns=[
            Column("序号", "10%", "center"),
            Column("单位", "45%"),
            Column("满意率", "15%", "num"),
            Column("整改期限"),
        ],
        rows=[[number, row[1], row[6], "2011年3月31日"] for number, row in enumerate(below, 1)],
    )
    return {
        "issuer_name": "中共肃南县委创先争优活动领导小组办公室",
        "number_text": "肃创办〔2010〕12号",
        "title": "关于2010年下半年群众评议结果的通报",
        "addressee": "各乡镇党委，县直各党（工）委，县委各部门",
        "preamble": (
            "根据县委创先争优活动领导小组的安排，2010年11月至12月，全县各基层党组织"
            "以“五个好”“五带头”为标准，组织党员、干部职工、“两代表一委员”和群众代表开展了群众评议。"
        ),
        "headings": ["一、评议基本情况", "（一）各单位评议结果", "1.需要说明的问题"],
        "paragraphs": [
            f"全县共有{rows}个单位参加评议，满意率达到90%以上的单位{rows - len(below)}个，"
            f"未达到90%的单位{len(below)}个。各单位评议结果见下表。",
            "评议中，群众对公开承诺、领导点评等工作总体满意，对少数单位承诺事项过于空乏、"
            "践诺进度较慢等问题提出了意见和建议。",
        ],
        "table": table,
        "sample_text": SAMPLE_TEXT,
        "closing": "请各单位对照评议结果，认真分析原因，制定整改措施，于2011年1月31日前将整改情况报县委创先争优办。",
        "issued_on": datetime.date(2010, 12, 20),
        "attachments": ["群众评议满意率未达到90%的单位名单", "群众评议工作情况统计表"],
        "annex_label": "附件1",
        "annex_table": annex_table,
    }


# --- Tables in documents ---------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    title: str
    width: str = ""  # a CSS width ("18%", "30mm"); columns without one share what is left
    align: str = ""  # "" (left), "num" (right, for figures) or "center"


@dataclass(frozen=True)
class Cell:
    value: Any
    align: str


@dataclass(frozen=True)
class DocTable:
    """A table for campaign/documents/table.html: a header row repeated on every page, the rows,
    and an optional total row after them (not a tfoot, which would repeat too)."""

    columns: Sequence[Column]
    rows: Sequence[Sequence[Any]]
    caption: str = ""
    total: Sequence[Any] | None = None

    def __post_init__(self):
        width = len(self.columns)
        if any(len(row) != width for row in self.rows) or (self.total is not None and len(self.total) != width):
            raise ValueError(f"every row of a DocTable needs {width} cells, one per column")

    def _cells(self, row: Sequence[Any]) -> list[Cell]:
        return [Cell(value, column.align) for value, column in zip(row, self.columns, strict=True)]

    @property
    def body_rows(self) -> list[list[Cell]]:
        return [self._cells(row) for row in self.rows]

    @property
    def total_row(self) -> list[Cell] | None:
        return None if self.total is None else self._cells(self.total)


# --- The glyph check ------------------------------------------------------------------


def missing_characters(document) -> str:
    """The characters of a WeasyPrint ``document``, once written, that a reader would see
    as a box or could not search: those no installed font has a glyph for (WeasyPrint
    draws .notdef for them and notes each in its font's ``missing``), and "?" for a glyph
    with no text behind it. Read from WeasyPrint's record of the fonts the document used
    (``Document.fonts``, filled by ``write_pdf``): no PDF is parsed."""
    found: set[str] = set()
    for font in document.fonts.values():
        found.update(chr(codepoint) for codepoint in font.missing)
        found.update("?" for text in font.to_unicode.values() if not text)
    return "".join(sorted(found))
