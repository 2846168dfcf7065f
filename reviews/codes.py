"""One-time evaluation codes (评议码): making them, reading them back as typed, and
printing them on slips.

A code is 10 characters from CODE_ALPHABET, drawn with ``secrets``: 31^10 ≈ 8·10^14
possibilities (about 50 bits), so even with 20,000 live codes a guesser needs about
4·10^10 tries per hit, which rate limiting makes hopeless. The alphabet leaves out the
look-alikes 0/O and 1/I/L, so nobody has to decide which one a printed character is.

Reading typed codes (``normalise_code``): full-width characters (a Chinese input
method's ＡＢＣ１２) become ASCII, letters are upper-cased, and everything that is not
a letter or digit (spaces, the dash of the grouped "XXXXX-XXXXX" display, any dash
variant) is dropped. Look-alikes are *not* mapped: since neither 0 nor O (nor 1, I, L)
is ever issued, mapping one onto the other could not turn a mistyped code into a valid
one; such a code is simply unknown.
"""

from __future__ import annotations

import random
import secrets
import unicodedata
from collections.abc import Iterable

import segno
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from reviews.models import EvaluationCode, EvaluationRound, EvaluatorCategory, RoundCategory

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
GROUP_LENGTH = 5
BATCH_SIZE = 1000
SLIPS_PER_ROW = 2
ROWS_PER_PAGE = 4
SLIPS_PER_PAGE = SLIPS_PER_ROW * ROWS_PER_PAGE
# One PDF holds at most this many slips (25 pages, a few seconds to render): a sheet
# of 5000 codes in one go would take WeasyPrint over a minute and gigabytes of memory.
SLIPS_PER_PART = 200
_ALLOWED = frozenset(CODE_ALPHABET)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """The code as stored, from what someone typed or scanned (see the module docstring).
    The result may still be no valid code; ``is_well_formed`` says whether it could be."""
    folded = unicodedata.normalize("NFKC", text or "").upper()
    return "".join(character for character in folded if character.isascii() and character.isalnum())


def is_well_formed(code: str) -> bool:
    """Whether a normalised code could have been issued, checked without the database."""
    return len(code) == CODE_LENGTH and all(character in _ALLOWED for character in code)


def format_code(code: str) -> str:
    """Grouped for reading aloud and typing: "ABCDE-FGHJK"."""
    return "-".join(code[start : start + GROUP_LENGTH] for start in range(0, len(code), GROUP_LENGTH))


def _fresh_codes(count: int) -> list[str]:
    """``count`` new codes, distinct among themselves and from every stored code.

    Reads all rounds' codes through the base manager: uniqueness is global, whatever
    the caller's scope."""
    codes: set[str] = set()
    while len(codes) < count:
        wanted = count - len(codes)
        candidates = {new_code() for _ in range(wanted)} - codes
        for start in range(0, len(candidates), BATCH_SIZE):
            batch = list(candidates)[start : start + BATCH_SIZE]
            taken = set(EvaluationCode._base_manager.filter(code__in=batch).values_list("code", flat=True))
            codes.update(code for code in batch if code not in taken)
    return list(codes)[:count]


def codes_generate(*, evaluation_round: EvaluationRound, categories: Iterable[RoundCategory]) -> int:
    """Create the codes of every category of the round; returns how many were made.

    Called by reviews.rounds.round_open inside its transaction. The rows are inserted
    in random order across categories, so neither ids nor insertion order follow the
    order the slips are printed or handed out. A clash with a code inserted at the same
    moment by another round (the unique index answers) is retried with new codes.
    """
    slips = [category.category for category in categories for _ in range(category.code_count)]
    if not slips:
        return 0
    for _attempt in range(5):
        codes = _fresh_codes(len(slips))
        objects = [
            EvaluationCode(round=evaluation_round, category=category, code=code)
            for category, code in zip(slips, codes, strict=True)
        ]
        random.SystemRandom().shuffle(objects)
        try:
            with transaction.atomic():
                EvaluationCode.objects.bulk_create(objects, batch_size=BATCH_SIZE)
        except IntegrityError:
            continue
        return len(objects)
    raise RuntimeError("could not store unique evaluation codes after 5 attempts")


# ---------------------------------------------------------------------------
# The printed sheet of slips
# ---------------------------------------------------------------------------


def code_path(code: str) -> str:
    """Where a code's form is; the QR code on its slip points there."""
    try:
        return reverse("ballot:form", args=[code])
    except NoReverseMatch:
        return f"/p/{code}/"


def entry_path() -> str:
    """Where a code is typed in by hand."""
    try:
        return reverse("ballot:enter")
    except NoReverseMatch:
        return "/p/"


def sheet_codes(evaluation_round: EvaluationRound, category: str | None = None) -> list[EvaluationCode]:
    """The round's codes in slip order: by category, then by the code itself (random,
    so the order says nothing about the order they were made in)."""
    codes = EvaluationCode.objects.filter(round=evaluation_round)
    if category:
        codes = codes.filter(category=category)
    order = {value: rank for rank, value in enumerate(EvaluatorCategory.values)}
    return sorted(codes.only("category", "code"), key=lambda code: (order[code.category], code.code))


def sheet_parts(count: int) -> list[tuple[int, int, int]]:
    """(part, first slip, last slip) for ``count`` slips, counted from 1."""
    return [
        (number, start + 1, min(start + SLIPS_PER_PART, count))
        for number, start in enumerate(range(0, count, SLIPS_PER_PART), start=1)
    ]


def code_sheet_html(
    evaluation_round: EvaluationRound, *, base_url: str = "", category: str | None = None, part: int = 1
) -> str | None:
    """The sheet as HTML for WeasyPrint (see code_sheet_pdf); None when the part has no codes."""
    base_url = base_url.rstrip("/")
    labels = dict(EvaluatorCategory.choices)
    start = (part - 1) * SLIPS_PER_PART
    codes = sheet_codes(evaluation_round, category)[start : start + SLIPS_PER_PART]
    if not codes:
        return None
    slips = []
    for code in codes:
        qr = segno.make(base_url + code_path(code.code), error="m")
        slips.append(
            {
                "display": format_code(code.code),
                "category_label": labels[code.category],
                "qr_svg": qr.svg_inline(border=0, omitsize=True),
            }
        )
    pages = []
    for first in range(0, len(slips), SLIPS_PER_PAGE):
        page = slips[first : first + SLIPS_PER_PAGE]
        page += [None] * (-len(page) % SLIPS_PER_ROW)
        pages.append([page[row : row + SLIPS_PER_ROW] for row in range(0, len(page), SLIPS_PER_ROW)])
    return render_to_string(
        "reviews/code_sheet.html",
        {"evaluation_round": evaluation_round, "pages": pages, "entry_url": base_url + entry_path()},
    )


def code_sheet_pdf(
    evaluation_round: EvaluationRound, *, base_url: str = "", category: str | None = None, part: int = 1
) -> bytes | None:
    """A4 pages of eight slips each (2 × 4, dashed cut lines): the organization and
    period, the evaluator category, a QR code to the code's form, the code in large
    grouped letters, and how to use it.

    ``base_url`` ("https://host") makes the QR codes absolute, so a phone can open
    them; ``category`` prints one category only; ``part`` picks which SLIPS_PER_PART
    slips of them. None when that part has no codes.
    """
    from weasyprint import HTML

    html = code_sheet_html(evaluation_round, base_url=base_url, category=category, part=part)
    if html is None:
        return None
    return HTML(string=html, base_url=base_url or None).write_pdf()
