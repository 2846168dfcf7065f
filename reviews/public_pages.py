"""The public pages reached by a one-time code, written once for both kinds: the
evaluation form (群众评议, /p/, reviews.views.ballot) and a public vote's paper (公示票选,
/v/, campaign.nominations.votes.views). Each kind brings its own paper page; everything
else is here, the words of both kinds included (``EVALUATION``, ``PUBLIC_VOTE``).

- Private pages: not stored by any cache, not indexed, not written to the application
  log, and their address (which holds the code) never sent onwards as a Referer, only
  the site's origin. ("no-referrer" would be stricter but makes browsers send
  "Origin: null" with the form, which Django's CSRF check rightly refuses.)
- The guessing limit: unknown or used codes are counted per client address in the cache
  only, with an expiry; too many in a short time and the address waits (HTTP 429). One
  count for both kinds of pages, so guessing on both does not double the tries.
- The pages: typing a code in, the refusals (reviews.public_ballot), the page after
  casting, and the three addresses under each kind's prefix (``ballot_urls``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.crypto import salted_hmac
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from reviews.codes import normalise_code
from reviews.forms import CodeForm
from reviews.public_ballot import (
    BLOCK_SECONDS,
    CACHE_DOWN,
    COUNTED_REFUSALS,
    FAILURE_LIMIT,
    FAILURE_WINDOW_SECONDS,
    REFUSAL_STATUS,
    TOO_MANY_TITLE,
    BallotRefused,
    Refusal,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublicBallot:
    """One kind of public ballot as its pages show it: the namespace of its addresses
    (with "enter", "form" and "done", see ballot_urls) and its words (the end of this
    module)."""

    namespace: str
    name: Promise  # the heading of the code-entry page
    enter_title: Promise
    enter_help: Promise
    enter_note: Promise  # under the code-entry form: secret, no login, once per code
    open_button: Promise
    code_label: Promise
    code_required: Promise
    code_malformed: Promise
    too_many: Promise
    refusal_titles: Mapping[Refusal, Promise]
    refusal_explanations: Mapping[Refusal, Promise]
    enter_again: Promise
    done_title: Promise
    done_thanks: Promise
    done_secret: Promise  # what the stored paper does not hold


# ---------------------------------------------------------------------------
# Private pages
# ---------------------------------------------------------------------------


def private_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """No copy in any cache, no Referer with the code to anywhere, no search index."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        # strict-origin: a Referer, if any, is the bare origin; see the module docstring.
        response["Referrer-Policy"] = "strict-origin"
        response["X-Robots-Tag"] = "noindex"
        # Django's request logger writes every 4xx with its path, i.e. the code, and a
        # time: a used or mistyped code is an expected answer here, not a fault to log.
        response._has_been_logged = True
        return response

    return wrapped


# ---------------------------------------------------------------------------
# The guessing limit: a counter per client address, in the cache only
# ---------------------------------------------------------------------------


def _client_key(request: HttpRequest, kind: str) -> str:
    # Keyed by a keyed hash, so not even the cache holds the address itself.
    digest = salted_hmac("reviews.ballot.client", request.META.get("REMOTE_ADDR", "")).hexdigest()[:32]
    return f"ballot:{kind}:{digest}"


def client_blocked(request: HttpRequest) -> bool:
    """Whether this address has failed too often lately. With the cache down it says no:
    evaluation day goes on, and the codes' own entropy (reviews.codes) is the first line
    against guessing, this count only the second."""
    try:
        return cache.get(_client_key(request, "blocked")) is not None
    except CACHE_DOWN:
        logger.warning("ballot guessing limit skipped: the cache does not answer", exc_info=True)
        return False


def client_failed(request: HttpRequest) -> None:
    """Count one unknown or used code from this address; block it at FAILURE_LIMIT. Not
    counted while the cache is down (see client_blocked)."""
    try:
        _count_failure(request)
    except CACHE_DOWN:
        logger.warning("ballot guessing limit not counted: the cache does not answer", exc_info=True)


def _count_failure(request: HttpRequest) -> None:
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


# ---------------------------------------------------------------------------
# The pages
# ---------------------------------------------------------------------------


def _refusal_page(request: HttpRequest, ballot: PublicBallot, context: dict, status: int) -> HttpResponse:
    return render(request, "reviews/public_ballot_refused.html", {"ballot": ballot, **context}, status=status)


def _too_many(request: HttpRequest, ballot: PublicBallot) -> HttpResponse:
    return _refusal_page(request, ballot, {"title": TOO_MANY_TITLE, "explanation": ballot.too_many}, 429)


def _refused(request: HttpRequest, ballot: PublicBallot, refused: BallotRefused) -> HttpResponse:
    if refused.reason in COUNTED_REFUSALS:
        client_failed(request)
    context = {
        "title": ballot.refusal_titles[refused.reason],
        "explanation": ballot.refusal_explanations[refused.reason],
        "reason": refused.reason.value,
    }
    return _refusal_page(request, ballot, context, REFUSAL_STATUS[refused.reason])


@private_page
@require_http_methods(["GET", "POST"])
def code_entry(request: HttpRequest, ballot: PublicBallot) -> HttpResponse:
    """Type the code from the slip (for those who do not scan the QR code)."""
    form = CodeForm(request.POST or None, label=ballot.code_label, required_message=ballot.code_required)
    if request.method == "POST":
        if client_blocked(request):
            return _too_many(request, ballot)
        if form.is_valid():
            code = normalise_code(form.cleaned_data["code"])
            if code:
                return redirect(f"{ballot.namespace}:form", code)
            form.add_error("code", ballot.code_malformed)
    context = {"form": form, "ballot": ballot}
    return render(request, "reviews/public_ballot_enter.html", context, status=400 if form.errors else 200)


def code_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For the page a code opens (its ``form`` address, see ballot_urls): private; refused
    while the address waits; at one address per code, and handed the code normalised;
    a BallotRefused it raises answers with the refusal's page."""

    @private_page
    @require_http_methods(["GET", "POST"])
    @wraps(view)
    def wrapped(request: HttpRequest, code: str, ballot: PublicBallot) -> HttpResponse:
        if client_blocked(request):
            return _too_many(request, ballot)
        normalised = normalise_code(code)
        if request.method == "GET" and normalised and normalised != code:
            # Typed in lower case or with the dash of the slip: one address per code.
            return redirect(f"{ballot.namespace}:form", normalised)
        try:
            return view(request, normalised)
        except BallotRefused as refused:
            return _refused(request, ballot, refused)

    return wrapped


@private_page
@require_GET
def cast_done(request: HttpRequest, ballot: PublicBallot) -> HttpResponse:
    """The same page after every cast: it says nothing about the code or the choices."""
    return render(request, "reviews/public_ballot_done.html", {"ballot": ballot})


def ballot_urls(ballot: PublicBallot, form: Callable[..., HttpResponse]) -> list[URLPattern]:
    """The addresses of one kind of public ballot, to include under its prefix with its
    namespace: typing a code in, the page after casting, and the code's own page
    ``form`` (wrapped in code_page). Each page is handed ``ballot``."""
    pages = {"ballot": ballot}
    return [
        path("", code_entry, pages, name="enter"),
        # Before the code: "done" has lower-case letters, which no normalised code has.
        path("done/", cast_done, pages, name="done"),
        path("<str:code>/", form, pages, name="form"),
    ]


# ---------------------------------------------------------------------------
# The words of each kind, side by side: the pages are one, so their words go in step
# ---------------------------------------------------------------------------

EVALUATION = PublicBallot(
    namespace="ballot",
    name=gettext_lazy("群众评议"),
    enter_title=gettext_lazy("群众评议 · 输入评议码"),
    enter_help=gettext_lazy(
        "请输入评议码纸条上的评议码（字母和数字，不区分大小写，可不输入短横线），"
        "也可以用手机扫描纸条上的二维码直接打开评议表。"
    ),
    enter_note=gettext_lazy("本评议不记名，不需要登录。每个评议码只能提交一次。"),
    open_button=gettext_lazy("打开评议表"),
    code_label=gettext_lazy("评议码"),
    code_required=gettext_lazy("请输入评议码。"),
    code_malformed=gettext_lazy("评议码只包含字母和数字，请核对后重新输入。"),
    too_many=gettext_lazy("您输入了太多无效的评议码，请过10分钟后再试。"),
    refusal_titles={
        Refusal.UNKNOWN: gettext_lazy("评议码不存在"),
        Refusal.USED: gettext_lazy("评议码已经使用过"),
        Refusal.NOT_OPEN: gettext_lazy("评议尚未开始"),
        Refusal.ENDED: gettext_lazy("评议已经结束"),
    },
    refusal_explanations={
        Refusal.UNKNOWN: gettext_lazy("没有找到这个评议码，请核对评议码纸条上的字母和数字后重新输入。"),
        Refusal.USED: gettext_lazy(
            "这个评议码已经提交过评议表，每个评议码只能使用一次。如果不是您本人提交的，请向发放评议码的同志反映。"
        ),
        Refusal.NOT_OPEN: gettext_lazy("这次评议还没有开始，请在规定的评议时间内再打开本页。"),
        Refusal.ENDED: gettext_lazy("这次评议已经截止，不再接收评议表。感谢您的关心。"),
    },
    enter_again=gettext_lazy("重新输入评议码"),
    done_title=gettext_lazy("评议表已提交"),
    done_thanks=gettext_lazy("感谢您参加群众评议！您的评议表已经收到。"),
    done_secret=gettext_lazy(
        "评议不记名：保存的评议表上没有评议码，也没有任何能看出是谁填写的信息。评议码已作废，不能再次使用。"
    ),
)
PUBLIC_VOTE = PublicBallot(
    namespace="vote",
    name=gettext_lazy("公示票选"),
    enter_title=gettext_lazy("公示票选 · 输入投票码"),
    enter_help=gettext_lazy(
        "请输入投票码纸条上的投票码（字母和数字，不区分大小写，可不输入短横线），"
        "也可以用手机扫描纸条上的二维码直接打开选票。"
    ),
    enter_note=gettext_lazy("投票不记名，不需要登录。每个投票码只能投票一次。"),
    open_button=gettext_lazy("打开选票"),
    code_label=gettext_lazy("投票码"),
    code_required=gettext_lazy("请输入投票码。"),
    code_malformed=gettext_lazy("投票码只包含字母和数字，请核对后重新输入。"),
    too_many=gettext_lazy("您输入了太多无效的投票码，请过10分钟后再试。"),
    refusal_titles={
        Refusal.UNKNOWN: gettext_lazy("投票码不存在"),
        Refusal.USED: gettext_lazy("投票码已经使用过"),
        Refusal.NOT_OPEN: gettext_lazy("投票尚未开始"),
        Refusal.ENDED: gettext_lazy("投票已经结束"),
    },
    refusal_explanations={
        Refusal.UNKNOWN: gettext_lazy("没有找到这个投票码，请核对投票码纸条上的字母和数字后重新输入。"),
        Refusal.USED: gettext_lazy(
            "这个投票码已经投过票，每个投票码只能投票一次。如果不是您本人投的，请向发放投票码的同志反映。"
        ),
        Refusal.NOT_OPEN: gettext_lazy("这次公示票选还没有开始，请在规定的投票时间内再打开本页。"),
        Refusal.ENDED: gettext_lazy("这次公示票选已经截止，不再接收投票。感谢您的关心。"),
    },
    enter_again=gettext_lazy("重新输入投票码"),
    done_title=gettext_lazy("投票已提交"),
    done_thanks=gettext_lazy("感谢您参加公示票选！您的选票已经收到。"),
    done_secret=gettext_lazy(
        "投票不记名：保存的选票上没有投票码，也没有任何能看出是谁投的信息。投票码已作废，不能再次使用。"
    ),
)
