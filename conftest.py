"""Test-wide fixtures: named actors, fast settings, and the services a test needs.

Tests that need PostgreSQL, Redis or Chromium are marked; without the service they
skip, except under CI (the variable CI is set), where a missing service is a failure.

What the tests of several apps share is here as fixtures (a media folder, rolled-back
hypothesis examples, a real Celery worker, the browser, PDFs read back); no test module
imports from another. Builders that take arguments live in each app's tests/factories.py
and in a few helper modules named for what they hold (orgs/tests/rosters.py,
pledges/tests/progress_sheets.py, campaign/tests/fault_services.py, url_matrix.py).
"""

import contextlib
import functools
import io
import os
import re
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass, field

import pytest
from django.db import connection, connections, transaction

from orgs.scoping import unscoped

IN_CI = bool(os.environ.get("CI"))


def pytest_configure(config):
    # Browser checks wait as long as the pages' own timeouts (15 s), not Playwright's 5 s:
    # under a full suite on two cores a page after a POST has taken longer than 5 s (CI
    # once failed waiting for 已公示 after 确认公示, which passes alone in 2 s).
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)


def require(available: bool, what: str) -> None:
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required under CI but is not available")
    pytest.skip(f"{what} not available")


@pytest.fixture(scope="session")
def _test_media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True, scope="session")
def _bench_results_elsewhere(tmp_path_factory):
    """Bench commands run by tests record their figures in a file of the test run's,
    never in the repository's bench/results.json."""
    os.environ["BENCH_RESULTS"] = str(tmp_path_factory.mktemp("bench") / "results.json")
    yield
    os.environ.pop("BENCH_RESULTS", None)


@pytest.fixture(autouse=True)
def _fast_settings(settings, _test_media_root):
    # Uploads made by tests never land in the working tree's media/.
    settings.MEDIA_ROOT = _test_media_root
    # WhiteNoise warns on every request when the collectstatic folder is missing.
    settings.STATIC_ROOT.mkdir(exist_ok=True)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.LANGUAGE_CODE = "zh-hans"
    # Login throttling counts wrong passwords across tests and needs the request that
    # Client.login() does not pass; orgs/tests/test_login_security.py turns it on.
    settings.AXES_ENABLED = False


@pytest.fixture(autouse=True, scope="session")
def _tasks_in_process():
    """Tasks run where they are queued, unless a test starts a real worker."""
    from campaign.celery import app

    app.conf.task_always_eager = True
    yield


@pytest.fixture(autouse=True)
def _task_joins_allowed_afterwards():
    """Celery marks "inside a task" with one process-wide flag that eager tasks set and
    restore; tests that run eager tasks from several threads at once (the concurrency
    tests) can leave it set, and a later test waiting on a real worker's result would be
    refused. Each test starts with it cleared."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)
    yield


@pytest.fixture(autouse=True)
def _unscoped_test_body():
    """Test code sets up data freely; requests through the client get the user's scope."""
    with unscoped("test"):
        yield


@pytest.fixture(autouse=True)
def _service_markers(request):
    if request.node.get_closest_marker("postgres"):
        require(connection.vendor == "postgresql", "PostgreSQL")
    if request.node.get_closest_marker("redis"):
        require(bool(os.environ.get("REDIS_URL")), "Redis (REDIS_URL)")
    if request.node.get_closest_marker("browser"):
        require(shutil.which("chromium") is not None, "Chromium (/usr/bin/chromium)")


@pytest.fixture
def county(db):
    """A small county: 县委 → two townships → branches, each with members, and one
    account per role. Returns a namespace of organizations, members and users."""
    from orgs.tests.factories import build_small_county

    return build_small_county()


@pytest.fixture
def campaign(county):
    """The county's 创先争优 campaign (2010-04-26 to 2012-06-30) with 五个好 and 五带头."""
    from campaign.tests.factories import make_campaign

    return make_campaign(county.county)


@pytest.fixture(scope="module")
def demo_county_loaded(django_db_setup, django_db_blocker):
    """The demo county at work, as ``manage.py load_demo`` builds it: loaded once for the
    module that asks (it takes half a minute), inside a transaction rolled back at the
    module's end; each test runs in a savepoint of its own."""
    from django.core.management import call_command
    from django.db import transaction
    from django.test import override_settings

    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        call_command("load_demo", quiet=True)
        yield
        transaction.set_rollback(True)


# --- Shared by the tests of several apps ------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    """A media folder of the test's own, for tests that look at the files stored."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def rolled_back():
    """``with rolled_back():`` the block's writes are undone, so that each example of a
    hypothesis test (many in one test function) starts from the same county."""

    @contextlib.contextmanager
    def rolled_back():
        with unscoped("test"), transaction.atomic():
            yield
            transaction.set_rollback(True)

    return rolled_back


@pytest.fixture
def celery_worker_on_test_database():
    """A real `celery worker` process, on Redis, reading the test database; yields the
    queue it alone listens to."""
    from campaign.celery import app
    from campaign.tests.fault_services import BASE_DIR, test_database_url

    queue = f"test-{uuid.uuid4().hex[:8]}"  # so no other worker on this Redis takes our tasks
    env = {**os.environ, "DATABASE_URL": test_database_url(), "CONN_MAX_AGE": "0"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "campaign", "worker", "--pool=solo", "-Q", queue, "--loglevel=warning"],
        cwd=BASE_DIR,
        env=env,
    )
    app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        app.conf.task_always_eager = True
        worker.terminate()
        worker.wait(timeout=30)


# --- The browser -----------------------------------------------------------------------
# One set of fixtures for every browser test (marked "browser"): Debian's Chromium driven
# through Playwright, windows at office-PC or phone size in Chinese, and accounts logged in
# through the login page as people do.

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OFFICE_PC = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def browser(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the test's own database
    # reads are plain synchronous code all the same.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        # While Playwright's loop runs, Django keeps this thread's connections apart from
        # the plain ones (asgiref's Local); the test's queries used those. Close them here,
        # where they are visible: left open they outlive the test, and a later browser test
        # would pick up a session the server may have ended since (test_faults_postgres).
        connections.close_all()
        chromium.close()
    connections.close_all()


@pytest.fixture
def new_page(browser):
    """``new_page(phone=False)``: a window with cookies of its own, in Chinese, at the size
    of an office PC or of a touch phone."""

    def new_page(*, phone: bool = False):
        context = browser.new_context(viewport=PHONE if phone else OFFICE_PC, locale="zh-CN", has_touch=phone)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    return new_page


@pytest.fixture
def login_password():
    """The password ``logged_in`` types: the test county's. Modules on the demo county
    override this fixture with the demo's."""
    from orgs.tests.factories import PASSWORD

    return PASSWORD


@pytest.fixture
def logged_in(new_page, live_server, login_password):
    """``logged_in(username, phone=False, campaign=None)``: a new window (see ``new_page``)
    where the user has logged in through the login page and, given a campaign's name,
    chosen that campaign as a user who sees several does."""

    def logged_in(username: str, *, phone: bool = False, campaign: str | None = None):
        page = new_page(phone=phone)
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(login_password)
        page.get_by_role("button", name="登录").click()
        # Wait for the redirect home: a click on the next page's menu must not land on the login page.
        page.wait_for_url(f"{live_server.url}/")
        if campaign is not None:
            from django.urls import reverse

            page.goto(f"{live_server.url}{reverse('campaign:choose')}")
            page.locator("button", has_text=campaign).click()
            page.wait_for_url(f"{live_server.url}/")
        return page

    return logged_in


# --- PDFs read back --------------------------------------------------------------------
# What the tests assert about a PDF the app made: each page's text and size, where each
# run of text stands and in which font and colour, the filled rectangles (rules, borders),
# the embedded fonts and every glyph shown from them. pypdf parses the file, its objects,
# streams and content streams; what is left here is following the few operators WeasyPrint
# writes to place text and fill shapes. Character and word spacing, which WeasyPrint does
# not use for our documents, are not taken into account.

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _then(first: Matrix, second) -> Matrix:
    """``first`` then ``second``, as PDF concatenates matrices."""
    a1, b1, c1, d1, e1, f1 = first
    a2, b2, c2, d2, e2, f2 = (float(value) for value in second)
    return (
        a1 * a2 + b1 * c2,
        a1 * b2 + b1 * d2,
        c1 * a2 + d1 * c2,
        c1 * b2 + d1 * d2,
        e1 * a2 + f1 * c2 + e2,
        e1 * b2 + f1 * d2 + f2,
    )


def _moved(x: float, y: float = 0.0) -> Matrix:
    return (1.0, 0.0, 0.0, 1.0, x, y)


@dataclass(frozen=True)
class ShownGlyph:
    font: str  # the font's BaseFont name
    code: int  # the glyph's code in the content stream: its CID (fonts are Identity-H)
    text: str  # what the font's ToUnicode map says it is; "" when it says nothing


@dataclass(frozen=True)
class TextRun:
    """One text-showing operation (WeasyPrint shows a line's run of one style at a time),
    placed on the page in PDF points from the bottom left."""

    text: str
    font: str
    x: float
    y: float
    x_end: float  # where its last glyph's advance ends
    color: tuple[float, ...]  # the fill colour it is drawn in


@dataclass(frozen=True)
class FilledRectangle:
    """A filled rectangle (a rule, a border, a background), in PDF points from the bottom left."""

    left: float
    bottom: float
    right: float
    top: float
    color: tuple[float, ...]


class GlyphOutlines:
    """What an embedded font program draws for a CID (fontTools)."""

    def __init__(self, program: bytes, bare_cff: bool):
        from fontTools.cffLib import CFFFontSet
        from fontTools.ttLib import TTFont

        if bare_cff:
            fonts = CFFFontSet()
            fonts.decompile(io.BytesIO(program), None)
            top = fonts[fonts.fontNames[0]]
            self.glyphs, self.order, self.glyph_set = top.CharStrings, top.charset, None
            self.cid_keyed = hasattr(top, "ROS")
        else:
            font = TTFont(io.BytesIO(program))
            self.glyph_set = self.glyphs = font.getGlyphSet()
            self.order = font.getGlyphOrder()
            self.cid_keyed = "CFF " in font and hasattr(font["CFF "].cff.topDictIndex[0], "ROS")

    def bounds(self, cid: int) -> tuple[float, ...] | None | bool:
        """The glyph's bounding box; None when it draws nothing; False when there is no glyph."""
        from fontTools.pens.boundsPen import BoundsPen

        # A CID-keyed CFF font names its glyphs after their CIDs; other fonts find them
        # by number (CIDToGIDMap /Identity).
        name = f"cid{cid:05d}" if self.cid_keyed else (self.order[cid] if 0 <= cid < len(self.order) else None)
        if name is None or name == ".notdef" or name not in self.glyphs:
            return False
        pen = BoundsPen(self.glyph_set)
        self.glyphs[name].draw(pen)
        return pen.bounds


@dataclass
class PdfFont:
    name: str
    font_file: str  # "FontFile2" (TrueType), "FontFile3" (CFF, OpenType), "" when not embedded
    font_file_subtype: str  # of a FontFile3: "OpenType", "CIDFontType0C" …
    program: bytes
    to_unicode: dict[int, str]
    code_bytes: int
    widths: dict[int, float]  # advance widths by code, in thousandths of the font size
    default_width: float

    @property
    def subset(self) -> bool:
        """Subsets are named with a six-letter tag, e.g. ABCDEF+Noto-Serif-CJK-SC."""
        return re.fullmatch(r"[A-Z]{6}\+.+", self.name) is not None

    @functools.cached_property
    def outlines(self) -> GlyphOutlines:
        return GlyphOutlines(
            self.program, bare_cff=self.font_file == "FontFile3" and self.font_file_subtype != "OpenType"
        )


@dataclass
class PdfContents:
    pages: list[str] = field(default_factory=list)  # each page's text layer
    runs: list[list[TextRun]] = field(default_factory=list)  # each page's text runs
    rectangles: list[list[FilledRectangle]] = field(default_factory=list)  # each page's filled rectangles
    page_sizes: list[tuple[float, float]] = field(default_factory=list)  # width, height in points
    fonts: dict[str, PdfFont] = field(default_factory=dict)
    glyphs: list[ShownGlyph] = field(default_factory=list)
    images: int = 0  # images drawn

    def missing_glyphs(self) -> list[ShownGlyph]:
        """The glyphs shown that a reader would see as a box or as nothing: from a font that
        is not embedded, .notdef (CID 0; WeasyPrint maps a character its font lacks there),
        not in the embedded font, without an outline although the text is not a space, or
        with no text behind it in the ToUnicode map (so it cannot be searched or copied)."""
        missing = []
        for glyph in self.glyphs:
            font = self.fonts[glyph.font]
            if not font.program or not glyph.text or glyph.code == 0:
                missing.append(glyph)
                continue
            bounds = font.outlines.bounds(glyph.code)
            if bounds is False or (bounds is None and not glyph.text.isspace()):
                missing.append(glyph)
        return missing


def _unicode_map(cmap: bytes) -> dict[int, str]:
    """A ToUnicode CMap's codes and their text (bfchar and bfrange entries)."""

    def text(digits: bytes) -> str:
        return bytes.fromhex(digits.decode()).decode("utf-16-be")

    mapping = {}
    for section in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, target in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", section):
            mapping[int(code, 16)] = text(target)
    for section in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, first in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", section):
            start = text(first)
            for offset in range(int(high, 16) - int(low, 16) + 1):
                mapping[int(low, 16) + offset] = start[:-1] + chr(ord(start[-1]) + offset)
    return mapping


def _pdf_font(font) -> PdfFont:
    composite = font["/Subtype"] == "/Type0"
    described = font["/DescendantFonts"][0].get_object() if composite else font
    descriptor = described["/FontDescriptor"] if "/FontDescriptor" in described else {}
    font_file = next((key for key in ("/FontFile2", "/FontFile3", "/FontFile") if key in descriptor), "")
    program = descriptor[font_file] if font_file else None
    widths: dict[int, float] = {}
    if composite:  # /W: "first [w w …]" or "first last w"
        items = list(described.get("/W", []))
        while items:
            first = int(items.pop(0))
            if isinstance(items[0], list):
                widths.update((first + offset, float(width)) for offset, width in enumerate(items.pop(0)))
            else:
                last, width = int(items.pop(0)), float(items.pop(0))
                widths.update((code, width) for code in range(first, last + 1))
        default_width = float(described.get("/DW", 1000))
    else:
        first = int(font.get("/FirstChar", 0))
        listed = font["/Widths"] if "/Widths" in font else []
        widths, default_width = {first + index: float(width) for index, width in enumerate(listed)}, 0.0
    return PdfFont(
        name=font["/BaseFont"][1:],
        font_file=font_file[1:],
        font_file_subtype=program.get("/Subtype", "/")[1:] if program else "",
        program=program.get_data() if program else b"",
        to_unicode=_unicode_map(font["/ToUnicode"].get_data()) if "/ToUnicode" in font else {},
        code_bytes=2 if composite else 1,
        widths=widths,
        default_width=default_width,
    )


class _Page:
    """Follows a page's content stream, and the forms it draws, for its text and shapes."""

    def __init__(self, reader, contents: PdfContents):
        self.reader = reader
        self.contents = contents
        self.text: list[str] = []
        self.runs: list[TextRun] = []
        self.rectangles: list[FilledRectangle] = []

    def follow(self, stream, resources, ctm: Matrix) -> None:
        from pypdf.generic import ContentStream

        resources = resources.get_object() if resources else {}
        fonts = resources["/Font"] if "/Font" in resources else {}
        xobjects = resources["/XObject"] if "/XObject" in resources else {}
        saved: list[tuple[Matrix, tuple[float, ...]]] = []
        fill: tuple[float, ...] = (0.0, 0.0, 0.0)
        font: PdfFont | None = None
        size = 0.0
        text_matrix = line_matrix = IDENTITY
        path: list[tuple[float, float, float, float]] = []
        for operands, operator in ContentStream(stream, self.reader).operations:
            if operator == b"q":
                saved.append((ctm, fill))
            elif operator == b"Q" and saved:
                ctm, fill = saved.pop()
            elif operator == b"cm":
                ctm = _then(operands, ctm)
            elif operator == b"BT":
                text_matrix = line_matrix = IDENTITY
            elif operator == b"Tm":
                text_matrix = line_matrix = tuple(float(value) for value in operands)
            elif operator == b"Td":
                text_matrix = line_matrix = _then(_moved(*(float(value) for value in operands)), line_matrix)
            elif operator == b"Tf":
                font = self.font(fonts[operands[0]])
                size = float(operands[1])
            elif operator in (b"Tj", b"'", b'"', b"TJ") and font is not None:
                shown = operands[-1] if operator == b"TJ" else [operands[-1]]
                text, advance = self.show(font, size, shown)
                start = _then(text_matrix, ctm)
                end = _then(_moved(advance), start)
                self.runs.append(TextRun(text, font.name, start[4], start[5], end[4], fill))
                self.text.append(text)
                text_matrix = _then(_moved(advance), text_matrix)
            elif operator == b"rg":
                fill = tuple(round(float(value), 3) for value in operands)
            elif operator == b"re":
                x, y, width, height = (float(value) for value in operands)
                corners = [_then(_moved(x + dx, y + dy), ctm)[4:] for dx in (0, width) for dy in (0, height)]
                xs, ys = [corner[0] for corner in corners], [corner[1] for corner in corners]
                path.append((min(xs), min(ys), max(xs), max(ys)))
            elif operator in (b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"):
                self.rectangles += [FilledRectangle(*box, fill) for box in path if box[0] < box[2] and box[1] < box[3]]
                path = []
            elif operator in (b"n", b"S", b"s"):
                path = []
            elif operator == b"Do":
                xobject = xobjects[operands[0]].get_object()
                if xobject["/Subtype"] == "/Image":
                    self.contents.images += 1
                elif xobject["/Subtype"] == "/Form":
                    matrix = _then(xobject.get("/Matrix", IDENTITY), ctm)
                    self.follow(xobject, xobject.get("/Resources") or resources, matrix)
            elif operator == b"ET":
                self.text.append("\n")

    def font(self, reference) -> PdfFont:
        font = reference.get_object()
        name = font["/BaseFont"][1:]
        if name not in self.contents.fonts:
            self.contents.fonts[name] = _pdf_font(font)
        return self.contents.fonts[name]

    def show(self, font: PdfFont, size: float, items) -> tuple[str, float]:
        """The text of a text-showing operation, and how far it advances."""
        text, advance = [], 0.0
        for item in items:
            if not hasattr(item, "original_bytes"):  # a number: a kerning adjustment
                advance -= float(item) / 1000 * size
                continue
            codes = item.original_bytes
            for start in range(0, len(codes), font.code_bytes):
                code = int.from_bytes(codes[start : start + font.code_bytes], "big")
                glyph = ShownGlyph(font.name, code, font.to_unicode.get(code, ""))
                self.contents.glyphs.append(glyph)
                text.append(glyph.text)
                advance += font.widths.get(code, font.default_width) / 1000 * size
        return "".join(text), advance


def _read_pdf(data: bytes) -> PdfContents:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    contents = PdfContents()
    for page in reader.pages:
        followed = _Page(reader, contents)
        if page.get_contents() is not None:
            followed.follow(page.get_contents(), page.get("/Resources"), IDENTITY)
        contents.pages.append("".join(followed.text))
        contents.runs.append(followed.runs)
        contents.rectangles.append(followed.rectangles)
        contents.page_sizes.append((float(page.mediabox.width), float(page.mediabox.height)))
    return contents


@pytest.fixture(scope="session")
def read_pdf():
    """``read_pdf(data)``: a PDF's pages, text runs, shapes, fonts and glyphs (a PdfContents)."""
    return _read_pdf
