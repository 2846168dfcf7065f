"""Figures for circulars (通报) as PDF: `make bench` runs this. It needs no database.

Renders the sample circular (campaign/documents/sample.html: the red header, a long table of
organizations with their satisfaction rates, an attachment) at about 20 and 100 pages and
prints one line per figure:

- the first render in this process against the later ones: the fonts, the stylesheet and
  the glyph check are loaded once per process, not once per document;
- for each size, the templating, WeasyPrint alone (HTML(string).write_pdf) as a naive
  worker calls it, with a new FontConfiguration and stylesheet per document, and with
  shared ones, then the app (render_html + render_pdf) and its ratio to WeasyPrint alone;
- pages, bytes and the embedded fonts.

Times are the best of --repeat runs, in wall-clock seconds with the process's CPU seconds
beside them: on a busy machine the CPU time is the steadier figure. The run fails when a
limit of the issue is missed: 20 pages over 500 KB, or 100 pages taking a minute or more.
"""

import io
import logging
import resource
import time
from collections import Counter

from django.contrib.staticfiles import finders
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from campaign.devdata.benchmarks import BenchWorker, Report, Target
from campaign.infra.documents import (
    PDF_OPTIONS,
    SAMPLE_TEMPLATE,
    STYLESHEET,
    missing_characters,
    render_html,
    render_pdf,
    sample_context,
)

# Pages of the sample document against its rows, measured: the header, the text and
# the attachment take about 1.7 pages, and each page of the table and of the attachment
# (the organizations under 90%) holds 7 rows, wrapped remarks included.
PAGES_BESIDES_TABLE = 1.7
ROWS_PER_PAGE = 7.0
MAX_BYTES_20_PAGES = 500 * 1024
MAX_SECONDS_100_PAGES = 60
TARGET_RATIO = 1.2


def embedded_fonts(data: bytes) -> list[str]:
    """Each font of the PDF with how its program is embedded and its size, read back with
    pypdf (a development requirement, as this command is development tooling)."""
    from pypdf import PdfReader

    fonts = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            described = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = described["/FontDescriptor"]
            kind = next((key for key in ("/FontFile2", "/FontFile3", "/FontFile") if key in descriptor), None)
            if kind is None:
                fonts[font["/BaseFont"][1:]] = "not embedded"
                continue
            program = descriptor[kind]
            subtype = program.get("/Subtype", "/")[1:]
            fonts[font["/BaseFont"][1:]] = f"{kind[1:]}/{subtype}, {len(program.get_data()) / 1024:.0f} KB"
    return [f"{name} ({embedded})" for name, embedded in fonts.items()]


def rows_for(pages: int) -> int:
    return max(1, round((pages - PAGES_BESIDES_TABLE) * ROWS_PER_PAGE))


class Timing:
    def __init__(self):
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def run(self, function):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        self.wall.append(time.perf_counter() - wall)
        self.cpu.append(time.process_time() - cpu)
        return result

    @property
    def best(self) -> float:
        return min(self.wall)

    @property
    def best_cpu(self) -> float:
        return min(self.cpu)

    def __str__(self):
        return f"{self.best:.2f} s (CPU {self.best_cpu:.2f} s)"


class Command(BaseCommand):
    help = "Time the PDF of a 20-page and a 100-page circular against WeasyPrint alone (no database needed)."

    def add_arguments(self, parser):
        parser.add_argument("--pages", type=int, nargs="+", default=[20, 100])
        parser.add_argument("--repeat", type=int, default=2)
        parser.add_argument(
            "--in-worker",
            action="store_true",
            help="instead: issue an evaluation results circular of a generate_scale county (PostgreSQL and "
            "Redis) and time its render by a Celery worker, with the worker's peak memory",
        )

    def handle(self, *args, pages, repeat, in_worker, **options):
        if in_worker:
            report = Report(self.stdout, f"circular in a worker ({connection.settings_dict['NAME']})")
            self.in_worker(report)
            report.save()
            return
        # WeasyPrint logs each step and page at INFO (from its import on, so it is
        # imported here); the figures are what matter.
        logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
        import weasyprint

        self.stylesheet_path = finders.find(STYLESHEET)
        self.stdout.write(f"WeasyPrint {weasyprint.__version__}; options {PDF_OPTIONS}")
        self.report = Report(self.stdout, "circulars as PDF")
        self.first_and_later(pages[0], repeat)
        failures = []
        for size in pages:
            failures += self.size(size, repeat)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(f"peak memory of this process: {peak:.0f} MB")
        self.report.save()
        if failures:
            raise CommandError("; ".join(failures))

    def in_worker(self, report):
        """The whole path an office takes: create the draft, issue it (number, snapshot,
        queue), and a worker renders, stores and marks it issued."""
        from campaign.campaigns.models import Campaign
        from campaign.circulars.models import Circular, CircularKind, CircularState
        from campaign.circulars.periods import half_year
        from campaign.circulars.services import circular_create, circular_issue
        from campaign.devdata.scale import ROOT_CODE, existing_size
        from orgs.models import Role, User
        from orgs.scoping import unscoped
        from reviews.models import EvaluationRound, RoundState

        if existing_size() is None:
            raise CommandError("No generated data set here: run manage.py generate_scale first.")
        with unscoped("bench"):
            campaign = Campaign.objects.select_related("organization").get(organization__code=ROOT_CODE)
            office = User.objects.get(role=Role.OFFICE, organization=campaign.organization)
            # The half-year with the most rounds: the longest circular the data gives.
            closings = EvaluationRound.objects.filter(
                campaign=campaign, state__in=(RoundState.TALLIED, RoundState.PUBLISHED)
            ).values_list("closes_at", flat=True)
            halves = Counter(half_year(timezone.localdate(closes_at)).start for closes_at in closings)
            if not halves:
                raise CommandError("The generated campaign has no tallied rounds.")
            span = half_year(halves.most_common(1)[0][0])
            with BenchWorker() as worker:
                draft = circular_create(
                    campaign=campaign, kind=CircularKind.EVALUATION, period_start=span.start, by=office
                )
                run = worker.measure(
                    lambda: circular_issue(circular=draft, by=office),
                    lambda: Circular.objects.filter(
                        pk=draft.pk, state__in=(CircularState.ISSUED, CircularState.FAILED)
                    ).exists(),
                )
            circular = Circular.objects.get(pk=draft.pk)
            if circular.state != CircularState.ISSUED:
                raise CommandError(f"The circular failed: {circular.error}")
            rounds, below = len(circular.snapshot["rounds"]), len(circular.snapshot["below"])
        detail = f"{circular.number_text}, {rounds:,} rounds, {below:,} subjects under the threshold"
        report.figure(
            "issue to PDF, evaluation results circular of the generated tree",
            run.seconds,
            "s",
            target=Target("value", at_most=MAX_SECONDS_100_PAGES),
            detail=f"{circular.pages} pages; {detail}",
        )
        report.figure(
            "its PDF", circular.size / 1024, "KB", detail=f"{circular.size / 1024 / circular.pages:.1f} KB a page"
        )
        report.figure(
            "worker peak memory, PDF circular",
            run.peak_mb,
            "MB",
            reference=run.idle_mb,
            reference_name="the worker idle",
            detail=f"{circular.pages} pages",
        )

    def first_and_later(self, size, repeat):
        """The process's first render pays the one-time load; the later ones must not."""
        html = render_html(SAMPLE_TEMPLATE, sample_context(rows=rows_for(size)))
        first = Timing()
        first.run(lambda: render_pdf(html))
        later = Timing()
        for _ in range(repeat):
            later.run(lambda: render_pdf(html))
        self.stdout.write(
            f"first render in this process ({size} pages): {first}; later renders: {later}; "
            f"the one-time load of fonts, stylesheet and glyph check: {first.best_cpu - later.best_cpu:.2f} s CPU"
        )
        self.report.figure(
            f"first render in a process ({size} pages)",
            first.best,
            "s",
            reference=later.best,
            reference_name="later renders",
            detail="the fonts are loaded once per worker process, when it starts",
        )

    def size(self, size, repeat) -> list[str]:
        from weasyprint import CSS, HTML
        from weasyprint.text.fonts import FontConfiguration

        rows = rows_for(size)
        context = sample_context(rows=rows)
        templating = Timing()
        html = templating.run(lambda: render_html(SAMPLE_TEMPLATE, context))
        shared_fonts = FontConfiguration()
        shared_stylesheet = CSS(filename=self.stylesheet_path, font_config=shared_fonts)

        def naive():
            fonts = FontConfiguration()
            stylesheet = CSS(filename=self.stylesheet_path, font_config=fonts)
            return HTML(string=html).write_pdf(stylesheets=[stylesheet], font_config=fonts, **PDF_OPTIONS)

        def shared():
            # What HTML.write_pdf does, keeping the document for the glyph check.
            document = HTML(string=html).render(
                stylesheets=[shared_stylesheet], font_config=shared_fonts, **PDF_OPTIONS
            )
            return document, document.write_pdf(**PDF_OPTIONS)

        def app():
            return render_pdf(render_html(SAMPLE_TEMPLATE, context))

        shared()  # the shared configuration's own first load is not what is measured
        naive_time, shared_time, app_time = Timing(), Timing(), Timing()
        for _ in range(repeat):
            # Interleaved, so that a burst of load elsewhere on the machine hits all three.
            naive_time.run(naive)
            document, weasyprint_pdf = shared_time.run(shared)
            templating.run(lambda: render_html(SAMPLE_TEMPLATE, context))
            rendered = app_time.run(app)
        ratio = app_time.best / shared_time.best
        cpu_ratio = app_time.best_cpu / shared_time.best_cpu
        label = f"{size} pages"
        write = self.stdout.write
        write(f"{label}: {rows} table rows, templating {templating} ({len(html) // 1024} KB of HTML)")
        write(f"{label}: WeasyPrint alone, new FontConfiguration and stylesheet per document: {naive_time}")
        write(f"{label}: WeasyPrint alone, shared FontConfiguration and stylesheet: {shared_time}")
        write(
            f"{label}: the app (render_html + render_pdf): {app_time}, "
            f"{ratio:.2f}× WeasyPrint alone (CPU {cpu_ratio:.2f}×; target ≤ {TARGET_RATIO}×)"
        )
        write(
            f"{label}: {rendered.pages} pages, {len(rendered.data) / 1024:.0f} KB "
            f"({len(rendered.data) / 1024 / rendered.pages:.1f} KB a page; "
            f"WeasyPrint alone writes {len(weasyprint_pdf) / 1024:.0f} KB)"
        )
        self.report.figure(
            f"circular of {rendered.pages} pages, render",
            app_time.best,
            "s",
            reference=shared_time.best,
            reference_name="WeasyPrint alone on the same HTML",
            target=Target("ratio", at_most=TARGET_RATIO),
            detail=f"best of {repeat}; CPU ratio {cpu_ratio:.2f}x"
            + (f"; limit {MAX_SECONDS_100_PAGES} s" if size == 100 else ""),
        )
        self.report.figure(
            f"circular of {rendered.pages} pages, size",
            len(rendered.data) / 1024,
            "KB",
            reference=len(weasyprint_pdf) / 1024,
            reference_name="WeasyPrint alone",
            target=Target("value", at_most=MAX_BYTES_20_PAGES / 1024) if size == 20 else None,
        )
        # The glyph check of the renderer's load, on this document: its characters that no
        # font has. The tests read the app's PDFs back for the embedded glyphs themselves.
        missing = missing_characters(document)
        glyphs = sum(len(font.to_unicode) for font in document.fonts.values())
        fonts = ", ".join(embedded_fonts(rendered.data))
        write(f"{label}: fonts {fonts}; {glyphs} distinct glyphs, characters without a glyph {len(missing)}")
        write(
            f"{label}: per page {app_time.best / rendered.pages * 1000:.0f} ms "
            f"(WeasyPrint alone {shared_time.best / rendered.pages * 1000:.0f} ms)"
        )
        failures = []
        if missing:
            failures.append(f"{label}: no glyph for {missing!r}")
        if size == 20 and len(rendered.data) >= MAX_BYTES_20_PAGES:
            failures.append(f"{label}: {len(rendered.data)} bytes, not under {MAX_BYTES_20_PAGES}")
        if size == 100 and app_time.best >= MAX_SECONDS_100_PAGES:
            failures.append(f"{label}: {app_time.best:.1f} s, not under {MAX_SECONDS_100_PAGES} s")
        return failures
