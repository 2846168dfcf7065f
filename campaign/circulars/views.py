"""Pages of 通报: the archive, drafting and previewing, issuing, the render's progress,
the PDF and corrections. Only the office drafts and issues (campaign.circulars.services.may_issue);
who sees which circular is decided by Circular's manager (campaign.circulars.models.CircularManager)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from campaign.campaigns.access import access_chosen_campaign, campaign_in_use
from campaign.campaigns.models import Campaign
from campaign.circulars.forms import CircularCreateForm, CircularTextsForm, kinds_offered
from campaign.circulars.models import Circular, CircularKind, CircularState
from campaign.circulars.services import (
    circular_correct,
    circular_create,
    circular_delete,
    circular_issue,
    circular_requeue,
    circular_update,
    may_issue,
    pdf_filename,
    status_of,
)
from campaign.circulars.snapshots import circular_preview
from campaign.infra.documents import STYLESHEET
from campaign.infra.search import search_query
from orgs.access import user_scope
from orgs.models import Role, User
from orgs.scoping import scope_activated

PER_PAGE = 30


def may_read_circulars(user: User) -> bool:
    """Accounts of an organization or an inspection group; not a plain member (see CircularManager)."""
    return user.is_authenticated and (user.is_superuser or user.role != Role.MEMBER)


def access_circular(user: User, pk: int, *, issue: bool = False) -> Circular:
    """A circular the user sees (else 404, alike for missing and not yours); with
    ``issue``, one the user's office drafts and issues (else 403)."""
    with scope_activated(user_scope(user)):
        circular = (
            Circular.objects.select_related("campaign__organization", "issuer", "score_period", "corrects", "issued_by")
            .filter(pk=pk)
            .first()
        )
    if circular is None:
        raise Http404(_("找不到该通报，或您无权查看。"))
    if not may_read_circulars(user):
        raise PermissionDenied(_("通报发给党组织，请向所在党组织了解。"))
    if issue and not may_issue(user, circular.campaign):
        raise PermissionDenied(_("通报由主办组织的活动办公室起草和印发，您可以查看，不能修改。"))
    return circular


def _require_reader(request) -> None:
    if not may_read_circulars(request.user):
        raise PermissionDenied(_("通报发给党组织，请向所在党组织了解。"))


def _issuing_campaign(request) -> Campaign:
    """The campaign in use (campaign.campaigns.access); 403 unless the user issues for it."""
    campaign = access_chosen_campaign(request)
    if not may_issue(request.user, campaign):
        raise PermissionDenied(_("通报由主办组织的活动办公室起草和印发。"))
    return campaign


STATE_BADGES = {
    CircularState.DRAFT: "secondary",
    CircularState.QUEUED: "info",
    CircularState.RENDERING: "info",
    CircularState.ISSUED: "success",
    CircularState.FAILED: "danger",
}


@login_required
@require_safe
def circular_list(request):
    """The archive: every circular the user sees, newest first, searchable by year, kind
    and number or title. Two queries for a page, plus the count."""
    _require_reader(request)
    year = request.GET.get("year", "").strip()
    kind = request.GET.get("kind", "")
    query = search_query(request)
    circulars = Circular.objects.select_related("issuer", "corrects")
    # A year the calendar has (year=0 or 99999 from a hand-typed address would fail the date lookup).
    if year.isdigit() and 1 <= int(year) <= 9999:
        circulars = circulars.filter(Q(number_year=int(year)) | Q(number_year__isnull=True, created_at__year=int(year)))
    if kind in CircularKind.values:
        circulars = circulars.filter(kind=kind)
    if query:
        circulars = circulars.filter(Q(number_text__icontains=query) | Q(title__icontains=query))
    circulars = circulars.order_by("-number_year", "-number_serial", "-created_at", "-pk")
    page = Paginator(circulars, PER_PAGE).get_page(request.GET.get("page"))
    years = sorted(
        {y for y in Circular.objects.exclude(number_year__isnull=True).values_list("number_year", flat=True)},
        reverse=True,
    )
    campaign = campaign_in_use(request)
    filters = {key: value for key, value in (("year", year), ("kind", kind), ("q", query)) if value}
    return render(
        request,
        "campaign/circulars/list.html",
        {
            "page": page,
            "rows": [(circular, STATE_BADGES[circular.state]) for circular in page],
            "years": years,
            "kinds": CircularKind.choices,
            "year": year,
            "kind": kind,
            "query": query,
            "filters": urlencode(filters),
            "campaign": campaign,
            "may_issue": campaign is not None and may_issue(request.user, campaign),
        },
    )


@login_required
@require_safe
def circular_new(request):
    """Choose the kind of circular to draft."""
    campaign = _issuing_campaign(request)
    return render(request, "campaign/circulars/new.html", {"campaign": campaign, "kinds": kinds_offered(campaign)})


@login_required
def circular_create_view(request, kind: str):
    if kind not in CircularKind.values:
        raise Http404(_("没有这种通报。"))
    campaign = _issuing_campaign(request)
    if kind not in dict(kinds_offered(campaign)):
        raise Http404(_("本活动没有这种通报。"))
    form = CircularCreateForm(request.POST or None, campaign=campaign, kind=kind, today=timezone.localdate())
    if request.method == "POST" and form.is_valid():
        try:
            circular = circular_create(
                campaign=campaign,
                kind=kind,
                period_start=form.cleaned_data.get("period"),
                score_period=form.cleaned_data.get("score_period"),
                texts=form.texts(),
                by=request.user,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("通报草稿已保存。请预览核对，确认无误后签发。"))
            return redirect(circular)
    return render(
        request,
        "campaign/circulars/form.html",
        {"campaign": campaign, "form": form, "kind_label": CircularKind(kind).label, "circular": None},
    )


@login_required
@require_safe
def circular_detail(request, pk: int):
    circular = access_circular(request.user, pk)
    with scope_activated(user_scope(request.user)):
        corrections = list(circular.corrections.order_by("created_at", "pk"))
    return render(
        request,
        "campaign/circulars/detail.html",
        {
            "circular": circular,
            "status": status_of(circular),
            "badge": STATE_BADGES[circular.state],
            "recipients": list(circular.recipients.order_by("path")),
            "corrections": corrections,
            "may_issue": may_issue(request.user, circular.campaign),
        },
    )


@login_required
def circular_edit(request, pk: int):
    circular = access_circular(request.user, pk, issue=True)
    if not circular.is_draft:
        messages.error(request, _("通报已签发编号，不能再修改；如有错误，请印发更正通报。"))
        return redirect(circular)
    form = CircularTextsForm(request.POST or None, campaign=circular.campaign, circular=circular)
    if request.method == "POST" and form.is_valid():
        try:
            circular_update(circular=circular, texts=form.texts(), by=request.user)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("通报草稿已保存。"))
            return redirect(circular)
    return render(
        request,
        "campaign/circulars/form.html",
        {"campaign": circular.campaign, "form": form, "kind_label": circular.get_kind_display(), "circular": circular},
    )


@login_required
@require_safe
def circular_preview_view(request, pk: int):
    """The document as HTML in the browser: a draft from the data as they are now (only
    for the office), a numbered one as it was frozen."""
    circular = access_circular(request.user, pk, issue=False)
    if circular.is_draft and not may_issue(request.user, circular.campaign):
        raise PermissionDenied(_("通报草稿只有活动办公室可以预览。"))
    response = HttpResponse(_for_screen(circular_preview(circular=circular)))
    response["Cache-Control"] = "no-store"
    return response


# WeasyPrint is handed the document's stylesheet directly; a browser is given a link to
# it, and a sheet of paper on a grey desk, so the preview reads like the PDF.
SCREEN_STYLE = (
    "<style>@media screen { html { background: #e9ecef; } "
    "body { box-sizing: border-box; max-width: 210mm; margin: 1rem auto; padding: 20mm 15mm; background: #fff; "
    "box-shadow: 0 0 6px rgba(0, 0, 0, .2); } }</style>"
)


def _for_screen(html: str) -> str:
    link = f'<link rel="stylesheet" href="{static(STYLESHEET)}">{SCREEN_STYLE}'
    return html.replace("</head>", link + "</head>", 1)


def _act(request, pk: int, action, success: str):
    circular = access_circular(request.user, pk, issue=True)
    try:
        result = action(circular=circular, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(circular)
    messages.success(request, success)
    return redirect(result or circular)


@login_required
@require_POST
def circular_issue_view(request, pk: int):
    return _act(request, pk, circular_issue, _("通报已签发编号，正在生成 PDF。"))


@login_required
@require_POST
def circular_requeue_view(request, pk: int):
    return _act(request, pk, circular_requeue, _("已重新排队生成 PDF，文号不变。"))


@login_required
@require_POST
def circular_correct_view(request, pk: int):
    return _act(request, pk, circular_correct, _("已建立更正通报草稿，请修改后签发。"))


@login_required
@require_POST
def circular_delete_view(request, pk: int):
    circular = access_circular(request.user, pk, issue=True)
    try:
        circular_delete(circular=circular, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(circular)
    messages.success(request, _("通报草稿已删除。"))
    return redirect("campaign:circulars")


@login_required
@require_safe
@never_cache
def circular_status(request, pk: int):
    """The render's state and progress, for the detail page's progress bar."""
    return JsonResponse(status_of(access_circular(request.user, pk)))


@login_required
@require_safe
def circular_pdf(request, pk: int):
    """The issued PDF, named by its number and title."""
    circular = access_circular(request.user, pk)
    if not circular.is_issued or not circular.pdf:
        raise Http404(_("通报的 PDF 还没有生成。"))
    response = FileResponse(
        circular.pdf.open("rb"), as_attachment=True, filename=pdf_filename(circular), content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response
