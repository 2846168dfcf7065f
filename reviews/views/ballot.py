"""The evaluation form (群众评议表): opened with a one-time code, by scanning the slip's QR
code or typing the code at /p/; no login.

Every page here is private to the phone it is on: not stored by any cache, not indexed,
not written to the application log, and its address (which holds the code) never sent
onwards as a Referer, only the site's origin. ("no-referrer" would be stricter but makes
browsers send "Origin: null" with the form, which Django's CSRF check rightly refuses.)
Failed code attempts (unknown or used codes) are counted per client address in the
cache only, with an expiry; too many in a short time and the address waits (HTTP 429).
The public vote's pages (campaign.nominations.votes.views) use the same page headers and the same
count, so guessing codes on both pages does not double the tries.
What is stored and why nothing links a form to its code is in reviews.ballots.
"""

from __future__ import annotations

import logging
from functools import wraps

from django import forms
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from reviews.ballots import (
    CACHE_DOWN,
    COMMENT_MAX_LENGTH,
    BallotInvalid,
    BallotPaper,
    BallotRefused,
    Refusal,
    ballot_cast,
    ballot_paper,
)
from reviews.codes import normalise_code
from reviews.models import Choice

logger = logging.getLogger(__name__)
# Guessing protection on top of the codes' entropy (reviews.codes): this many failed
# attempts from one address within the window, and it waits BLOCK_SECONDS.
FAILURE_LIMIT = 20
FAILURE_WINDOW_SECONDS = 600
BLOCK_SECONDS = 600
# Only these look like guessing; a real code of a round not yet open (or over) does not.
COUNTED_REFUSALS = {Refusal.UNKNOWN, Refusal.USED}
REFUSAL_STATUS = {Refusal.UNKNOWN: 404, Refusal.USED: 409, Refusal.NOT_OPEN: 403, Refusal.ENDED: 410}
CHOICE_STYLES = {
    Choice.SATISFIED: "btn-outline-success",
    Choice.BASICALLY_SATISFIED: "btn-outline-primary",
    Choice.DISSATISFIED: "btn-outline-danger",
    Choice.UNKNOWN: "btn-outline-secondary",
}


def private_page(view):
    """No copy in any cache, no Referer with the code to anywhere, no search index."""

    # strict-origin: a Referer, if any, is the bare origin; see the module docstring.

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "strict-origin"
        response["X-Robots-Tag"] = "noindex"
        # Django's request logger writes every 4xx with its path, i.e. the code, and a
        # time: a used or mistyped code is an expected answer here, not a fault to log.
        response._has_been_logged = True
        return response

    return wrapped


# ---------------------------------------------------------------------------
# Rate limiting: a counter per client address, in the cache only
# ---------------------------------------------------------------------------


def _client_key(request, kind: str) -> str:
    # Keyed by a keyed hash, so not even the cache holds the address itself.
    digest = salted_hmac("reviews.ballot.client", request.META.get("REMOTE_ADDR", "")).hexdigest()[:32]
    return f"ballot:{kind}:{digest}"


def client_blocked(request) -> bool:
    """Whether this address has failed too often lately (shared by every page reached by a
    one-time code, so switching pages does not reset the count). With the cache down it
    says no: evaluation day goes on, and the codes' own entropy (reviews.codes) is the
    first line against guessing, this count only the second."""
    try:
        return cache.get(_client_key(request, "blocked")) is not None
    except CACHE_DOWN:
        logger.warning("ballot guessing limit skipped: the cache does not answer", exc_info=True)
        return False


def client_failed(request) -> None:
    """Count one unknown or used code from this address; block it at FAILURE_LIMIT. Not
    counted while the cache is down (see client_blocked)."""
    try:
        _count_failure(request)
    except CACHE_DOWN:
        logger.warning("ballot guessing limit not counted: the cache does not answer", exc_info=True)


def _count_failure(request) -> None:
    key = _client_key(request, "failures")
    cache.add(key, 0, FAILURE_WINDOW_SECONDS)
    try:
        failures = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, FAILURE_WINDOW_SECONDS)
        failures = 1
    if failures >= FAILURE_LIMIT:
        cache.set(_client_key(request, "blocked"), True, BLOCK_SECONDS)
        cache.delete(key)


def _too_many(request):
    return render(
        request,
        "reviews/ballot_refused.html",
        {
            "title": _("尝试次数过多"),
            "explanation": _("您输入了太多无效的评议码，请过10分钟后再试。"),
        },
        status=429,
    )


def _refused(request, refused: BallotRefused):
    if refused.reason in COUNTED_REFUSALS:
        client_failed(request)
    return render(
        request,
        "reviews/ballot_refused.html",
        {"title": refused.reason.title, "explanation": refused.reason.explanation, "reason": refused.reason.value},
        status=REFUSAL_STATUS[refused.reason],
    )


# ---------------------------------------------------------------------------
# The form
# ---------------------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("评议码"),
        max_length=40,
        error_messages={"required": _("请输入评议码。")},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "autofocus": True}
        ),
    )


class BallotForm(forms.Form):
    """A choice and an optional comment per subject of the paper."""

    def __init__(self, paper: BallotPaper, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.paper = paper
        for subject in paper.subjects:
            missing = _("请对“%(name)s”作出评价。") % {"name": subject.name}
            self.fields[f"choice_{subject.id}"] = forms.ChoiceField(
                choices=Choice.choices,
                widget=forms.RadioSelect,
                error_messages={"required": missing, "invalid_choice": missing},
            )
            self.fields[f"comment_{subject.id}"] = forms.CharField(
                required=False,
                max_length=COMMENT_MAX_LENGTH,
                widget=forms.Textarea,
                error_messages={
                    "max_length": _("意见请不要超过%(limit)s字。") % {"limit": COMMENT_MAX_LENGTH},
                },
            )

    def choices(self) -> dict[int, str]:
        return {subject.id: self.cleaned_data[f"choice_{subject.id}"] for subject in self.paper.subjects}

    def comments(self) -> dict[int, str]:
        return {subject.id: self.cleaned_data[f"comment_{subject.id}"] for subject in self.paper.subjects}

    def add_subject_errors(self, subject_errors: dict[int, str]) -> None:
        for subject_id, message in subject_errors.items():
            self.add_error(f"choice_{subject_id}", message)

    def rows(self) -> list[dict]:
        """Per subject what the template draws: the four buttons, the comment, the error."""
        rows = []
        for subject in self.paper.subjects:
            choice = self[f"choice_{subject.id}"]
            comment = self[f"comment_{subject.id}"]
            errors = list(choice.errors) + list(comment.errors)
            rows.append(
                {
                    "subject": subject,
                    "choice_name": choice.html_name,
                    "options": [
                        {
                            "value": value,
                            "label": label,
                            "id": f"s{subject.id}-{value}",
                            "checked": choice.value() == value,
                            "style": CHOICE_STYLES[value],
                        }
                        for value, label in Choice.choices
                    ],
                    "comment_name": comment.html_name,
                    "comment_id": f"s{subject.id}-comment",
                    "comment": comment.value() or "",
                    "error": errors[0] if errors else "",
                }
            )
        return rows


@private_page
@require_http_methods(["GET", "POST"])
def ballot_enter(request):
    """Type the code from the slip (for those who do not scan the QR code)."""
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if client_blocked(request):
            return _too_many(request)
        if form.is_valid():
            code = normalise_code(form.cleaned_data["code"])
            if code:
                return redirect("ballot:form", code)
            form.add_error("code", _("评议码只包含字母和数字，请核对后重新输入。"))
    return render(request, "reviews/ballot_enter.html", {"form": form}, status=400 if form.errors else 200)


def _keyed(data, prefix: str) -> dict[int, str]:
    """The posted fields named prefix + a subject id, by subject id."""
    return {
        int(name[len(prefix) :]): value
        for name, value in data.items()
        if name.startswith(prefix) and name[len(prefix) :].isdigit()
    }


@private_page
@require_http_methods(["GET", "POST"])
def ballot_form(request, code: str):
    if client_blocked(request):
        return _too_many(request)
    normalised = normalise_code(code)
    if request.method == "GET" and normalised and normalised != code:
        # Typed in lower case or with the dash of the slip: one address per code.
        return redirect("ballot:form", normalised)
    if request.method == "POST":
        # Straight to the service, which reads and checks what it needs; the paper and
        # the form's fields are built only to send a form back with mistakes.
        try:
            ballot_cast(
                code=normalised,
                choices=_keyed(request.POST, "choice_"),
                comments=_keyed(request.POST, "comment_"),
            )
        except BallotRefused as refused:
            return _refused(request, refused)
        except BallotInvalid as invalid:
            try:
                paper = ballot_paper(normalised)
            except BallotRefused as refused:
                return _refused(request, refused)
            form = BallotForm(paper, request.POST)
            if form.is_valid():
                form.add_subject_errors(invalid.subject_errors)
        else:
            return redirect("ballot:done")
    else:
        try:
            paper = ballot_paper(normalised)
        except BallotRefused as refused:
            return _refused(request, refused)
        form = BallotForm(paper)
    rows = form.rows()
    return render(
        request,
        "reviews/ballot_form.html",
        {
            "paper": paper,
            "form": form,
            "rows": rows,
            "missing": [row for row in rows if row["error"]],
            "answered": sum(1 for row in rows if any(option["checked"] for option in row["options"])),
        },
        status=400 if form.errors else 200,
    )


@private_page
@require_GET
def ballot_done(request):
    """The same page for every form: it says nothing about the code or the choices."""
    return render(request, "reviews/ballot_done.html")
