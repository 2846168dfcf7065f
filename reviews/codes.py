"""One-time codes: making them, reading them back as typed, using them up once, hiding
the order they were used in, and printing them on slips. One implementation for every
kind: the evaluation codes (评议码, reviews.models.EvaluationCode) and the vote codes of
a public vote (投票码, campaign.nominations.votes.models.VoteCode). The functions that store or claim
codes take the code model; such a model has a unique ``code`` and a ``used`` flag and
nothing that names who used it or when.

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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import segno
from django.db import IntegrityError, connection, models, transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from reviews.models import EvaluationCode, EvaluationRound, RoundCategory

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


def _fresh_codes(model: type[models.Model], count: int) -> list[str]:
    """``count`` new codes, distinct among themselves and from every code stored in
    ``model``'s table.

    Reads through the base manager: uniqueness is global, whatever the caller's scope."""
    codes: set[str] = set()
    while len(codes) < count:
        wanted = count - len(codes)
        candidates = {new_code() for _ in range(wanted)} - codes
        for start in range(0, len(candidates), BATCH_SIZE):
            batch = list(candidates)[start : start + BATCH_SIZE]
            taken = set(model._base_manager.filter(code__in=batch).values_list("code", flat=True))
            codes.update(code for code in batch if code not in taken)
    return list(codes)[:count]


def codes_issue(model: type[models.Model], slips: Sequence[dict]) -> int:
    """Store one new code in ``model`` per entry of ``slips`` (the row's other field
    values, e.g. its round and category); returns how many were made.

    ``model`` is any one-time code table: a unique ``code`` and a ``used`` flag.
    Call it inside the caller's transaction. The rows are inserted in random order, so
    neither ids nor insertion order follow the order the slips are printed or handed
    out. A clash with a code inserted at the same moment by someone else (the unique
    index answers) is retried with new codes.
    """
    if not slips:
        return 0
    for _attempt in range(5):
        codes = _fresh_codes(model, len(slips))
        objects = [model(code=code, **fields) for fields, code in zip(slips, codes, strict=True)]
        random.SystemRandom().shuffle(objects)
        try:
            with transaction.atomic():
                model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
        except IntegrityError:
            continue
        return len(objects)
    raise RuntimeError(f"could not store unique codes in {model._meta.label} after 5 attempts")


def codes_generate(*, evaluation_round: EvaluationRound, categories: Iterable[RoundCategory]) -> int:
    """Create the codes of every category of the round; returns how many were made.

    Called by reviews.rounds.round_open inside its transaction. Categories are mixed
    in the random insertion order (see codes_issue)."""
    slips = [
        {"round": evaluation_round, "category": category.category}
        for category in categories
        for _ in range(category.code_count)
    ]
    return codes_issue(EvaluationCode, slips)


# ---------------------------------------------------------------------------
# Using a code up, and hiding the order codes were used in
# ---------------------------------------------------------------------------


def code_row(model: type[models.Model], code: str, columns: Sequence[str]) -> dict | None:
    """The row of the normalised ``code`` in ``model``: its "pk", "used" and ``columns``
    (attribute names, such as "round_id"), or None when there is no such code."""
    if not code:
        return None
    # Written out, as code_claim: it runs for every form opened and every form cast.
    quote = connection.ops.quote_name
    names = ("pk", "used", *columns)
    fields = [model._meta.pk if name == "pk" else model._meta.get_field(name) for name in names]
    selected = ", ".join(quote(field.column) for field in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {selected} FROM {quote(model._meta.db_table)} WHERE code = %s", [code])
        found = cursor.fetchone()
    return None if found is None else dict(zip(names, found, strict=True))


def code_claim(model: type[models.Model], pk: int) -> bool:
    """Mark the code used, if nobody has; True when this call did. One conditional
    UPDATE on the code's own row (``WHERE id = … AND used = false``): two claims of
    the same code at the same instant both reach it; under READ COMMITTED the second
    waits for the first to commit, re-reads the row, finds it used and updates nothing.

    It filters on the primary key alone on purpose: a filter through another table
    would make Django write ``WHERE id IN (SELECT …)``; after the wait PostgreSQL
    re-checks the row against the outer condition only, while the sub-select's answer,
    taken before, still says unused, and both claims pass."""
    # Written out: on evaluation day this runs for every form, and the ORM's building of
    # the UPDATE was a seventh of a submission's server time (py-spy under make bench).
    quote = connection.ops.quote_name
    used = quote(model._meta.get_field("used").column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(model._meta.db_table)} SET {used} = %s "
            f"WHERE {quote(model._meta.pk.column)} = %s AND {used} = %s",
            [True, pk, False],
        )
        return cursor.rowcount == 1


def hold_open(model: type[models.Model], pk: int) -> None:
    """Share-lock the row of what codes are cast for (a round, a vote) until the
    transaction ends: closing it (an UPDATE of that row) waits for every cast in
    progress, and a cast that starts after the close committed sees it closed. Shared
    locks do not block one another, so casts still run in parallel."""
    if not connection.features.has_select_for_update:
        return  # SQLite: one writer at a time anyway
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR SHARE", [pk])  # the name is ours


def codes_put_back_shuffled(model: type[models.Model], where: str, params: Sequence) -> int:
    """Delete the codes of ``model`` matching ``where`` and insert them again, same ids
    and values, in random order; returns how many.

    Why: PostgreSQL stamps every row with the id of the transaction that wrote it
    (``xmin``) and writes an updated row at the next free place (``ctid``), so a used
    code would share its transaction id with the form it cast, and used codes would
    line up in the order of use. Put back together, they all carry one newer id and
    lie in no order. What is put back is exactly what the DELETE returned, so a code
    used by a cast that committed meanwhile comes back as used. Run it in a transaction
    of its own, one at a time per set of codes (the caller decides how they take turns).
    """
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(field.column) for field in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement, run where the rows are: the deleted rows go back in random
            # order without a round trip through Python. random() is PostgreSQL's own
            # generator, seeded per connection from the system's; it only has to make
            # the order unrelated to the order of use. (A round's few thousand codes
            # rewritten this way cost about a millisecond: this runs after every cast.)
            cursor.execute(
                f"WITH taken AS (DELETE FROM {table} WHERE {where} RETURNING {columns}) "
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM taken ORDER BY random()",
                list(params),
            )
            return cursor.rowcount
        # where and the names are ours; values go as parameters.
        cursor.execute(f"DELETE FROM {table} WHERE {where} RETURNING {columns}", list(params))
        rows = cursor.fetchall()
        random.SystemRandom().shuffle(rows)
        row_marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
        # Rows per INSERT: under SQLite's 999 parameters.
        per_insert = max(1, 900 // len(fields))
        for start in range(0, len(rows), per_insert):
            batch = rows[start : start + per_insert]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_marks] * len(batch))}",
                [value for row in batch for value in row],
            )
    return len(rows)


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
    order = {value: rank for rank, value in enumerate(evaluation_round.category_labels())}
    return sorted(codes.only("category", "code"), key=lambda code: (order.get(code.category, 0), code.code))


def sheet_parts(count: int) -> list[tuple[int, int, int]]:
    """(part, first slip, last slip) for ``count`` slips, counted from 1."""
    return [
        (number, start + 1, min(start + SLIPS_PER_PART, count))
        for number, start in enumerate(range(0, count, SLIPS_PER_PART), start=1)
    ]


@dataclass(frozen=True)
class Slip:
    """One slip to print: the code and what it is for, beside the heading (e.g. the
    evaluator category; empty for none)."""

    code: str
    label: str = ""


def sheet_html(
    slips: Sequence[Slip],
    *,
    template: str,
    context: dict,
    form_path: Callable[[str], str],
    entry_path: str,
    base_url: str = "",
    part: int = 1,
) -> str | None:
    """Part ``part`` of a sheet of slips as HTML for WeasyPrint (see sheet_pdf); None
    when that part has no slips. ``template`` extends reviews/slip_sheet.html and gets
    ``context`` plus ``pages`` (rows of two slips, eight a page) and ``entry_url``.
    Each slip's QR code holds ``base_url`` + ``form_path(code)``."""
    base_url = base_url.rstrip("/")
    start = (part - 1) * SLIPS_PER_PART
    slips = list(slips[start : start + SLIPS_PER_PART])
    if not slips:
        return None
    drawn = []
    for slip in slips:
        qr = segno.make(base_url + form_path(slip.code), error="m")
        drawn.append(
            {
                "display": format_code(slip.code),
                "category_label": slip.label,
                "qr_svg": qr.svg_inline(border=0, omitsize=True),
            }
        )
    pages = []
    for first in range(0, len(drawn), SLIPS_PER_PAGE):
        page = drawn[first : first + SLIPS_PER_PAGE]
        page += [None] * (-len(page) % SLIPS_PER_ROW)
        pages.append([page[row : row + SLIPS_PER_ROW] for row in range(0, len(page), SLIPS_PER_ROW)])
    return render_to_string(template, {**context, "pages": pages, "entry_url": base_url + entry_path})


def sheet_pdf(html: str | None, *, base_url: str = "") -> bytes | None:
    """The sheet's HTML as an A4 PDF; None for no HTML (a part with no slips)."""
    from weasyprint import HTML

    if html is None:
        return None
    return HTML(string=html, base_url=base_url or None).write_pdf()


def code_sheet_html(
    evaluation_round: EvaluationRound, *, base_url: str = "", category: str | None = None, part: int = 1
) -> str | None:
    """The round's sheet as HTML for WeasyPrint (see code_sheet_pdf); None when the part has no codes."""
    labels = evaluation_round.category_labels()
    slips = [
        Slip(code.code, labels.get(code.category, code.category)) for code in sheet_codes(evaluation_round, category)
    ]
    return sheet_html(
        slips,
        template="reviews/code_sheet.html",
        context={"evaluation_round": evaluation_round},
        form_path=code_path,
        entry_path=entry_path(),
        base_url=base_url,
        part=part,
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
    html = code_sheet_html(evaluation_round, base_url=base_url, category=category, part=part)
    return sheet_pdf(html, base_url=base_url)
