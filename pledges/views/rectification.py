"""集中核查 pages: rectification tasks, publishing solved ones by category, and 挂牌督办."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from campaign.campaigns.access import campaign_in_use
from orgs.access import access_organization, user_scope
from orgs.models import Organization
from pledges.evidence_serving import evidence_response
from pledges.forms import CloseForm, FollowUpForm, RectificationForm, ReportDoneForm, SignOffForm, SupervisionForm
from pledges.models import (
    PledgeItem,
    Rectification,
    RectificationEvidence,
    RectificationSource,
    RectificationStatus,
    Supervision,
)
from pledges.progress import IMAGE_TYPES, ItemState, item_state
from pledges.rectification import (
    DONE_STATUSES,
    MANAGING_ROLES,
    follow_up_add,
    is_late,
    may_close_supervision,
    may_follow_up,
    may_manage_rectification,
    may_sign_off,
    may_supervise,
    rectification_create,
    rectification_publish,
    rectification_report_done,
    rectification_send_back,
    rectification_sign_off,
    rectification_unpublish,
    rectification_update,
    rectifications_publish,
    supervision_close,
    supervision_open,
    visible_supervisions,
)
from pledges.selectors import (
    organizations_with_rectifications,
    rectification_categories_used,
    rectification_dossier,
    rectification_supervisions,
    rectifications_listed,
    rectifications_to_verify,
    solved_rectifications,
    solved_rectifications_by_category,
    supervisions_listed,
)

PER_PAGE = 30
# Offered as suggestions; the category stays free text because each campaign sorts its problems its own way.
COMMON_CATEGORIES = [
    gettext_lazy("班子建设"),
    gettext_lazy("党员教育管理"),
    gettext_lazy("制度落实"),
    gettext_lazy("服务群众"),
    gettext_lazy("作风建设"),
    gettext_lazy("基础设施"),
    gettext_lazy("承诺兑现"),
]


# ---------------------------------------------------------------------------
# Rectification tasks
# ---------------------------------------------------------------------------


def _rectification_or_404(pk: int) -> Rectification:
    return get_object_or_404(
        Rectification.objects.select_related("organization", "member", "campaign", "pledge_item__pledge"), pk=pk
    )


def _require_manage(user, rectification: Rectification) -> None:
    if not may_manage_rectification(user, rectification.organization):
        raise PermissionDenied(_("您只能查看这项整改任务，不能修改。"))


def _user_may_manage_any(user) -> bool:
    return user.is_superuser or (user.role in MANAGING_ROLES and user_scope(user).writable)


@login_required
@require_GET
def rectification_list(request):
    today = timezone.localdate()
    status = request.GET.get("status", "")
    category = request.GET.get("category", "").strip()
    code = request.GET.get("organization", "").strip()
    organization = access_organization(request.user, code) if code else None
    late_only = request.GET.get("late") == "1"
    # The tasks of the campaign the user works in: another campaign's over the same
    # organizations (a bureau's 三好一满意 beside 创先争优) is not this one's work; one
    # who sees several is asked which first, never shown them mixed.
    campaign = campaign_in_use(request)
    tasks = rectifications_listed(
        campaign_id=campaign.pk if campaign else None,
        status=status if status in RectificationStatus.values else "",
        category=category,
        organization=organization,
        late_on=today if late_only else None,
    )
    page = Paginator(tasks, PER_PAGE).get_page(request.GET.get("page"))
    for task in page:
        task.late = is_late(task, today)
    filters = {"status": status, "category": category, "organization": code, "late": "1" if late_only else ""}
    return render(
        request,
        "pledges/rectification_list.html",
        {
            "page": page,
            "filters": filters,
            "query_string": urlencode({key: value for key, value in filters.items() if value}),
            "organization": organization,
            "statuses": RectificationStatus.choices,
            "categories": rectification_categories_used(),
            "organizations": organizations_with_rectifications(),
            "can_create": _user_may_manage_any(request.user),
        },
    )


@login_required
def rectification_create_view(request):
    if not _user_may_manage_any(request.user):
        raise PermissionDenied(_("只有活动办公室、上级党组织负责人和党支部书记可以登记整改任务。"))
    code = request.GET.get("organization") or request.POST.get("organization")
    if not code and request.user.organization_id:
        code = request.user.organization.code
    if not code:
        raise Http404(_("请先选择责任组织。"))
    organization = access_organization(request.user, code, for_change=True)
    if not may_manage_rectification(request.user, organization):
        raise PermissionDenied(_("您无权管理“%(name)s”的整改任务。") % {"name": organization.name})
    initial = {"deadline": None}
    campaign = campaign_in_use(request, ask=False)
    if campaign is not None:
        initial["campaign"] = campaign.pk
    item_pk = request.GET.get("item")
    if item_pk and item_pk.isdigit():
        item = PledgeItem.objects.filter(pk=item_pk, pledge__organization=organization).first()
        if item is not None:
            initial.update(
                pledge_item=item.pk,
                source=RectificationSource.PLEDGE,
                campaign=item.pledge.campaign_id,
                member=item.pledge.member_id,
                problem=_("承诺事项“%(target)s”逾期未完成。") % {"target": item.target},
                category=_("承诺兑现"),
            )
    form = RectificationForm(request.POST or None, organization=organization, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rectification = rectification_create(
                campaign=data["campaign"],
                organization=organization,
                member=data["member"],
                source=data["source"],
                pledge_item=data["pledge_item"],
                category=data["category"],
                problem=data["problem"],
                measure=data["measure"],
                owner=data["owner"],
                deadline=data["deadline"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("整改任务已登记。"))
            return redirect(rectification)
    # The organizations this user may register tasks for, to switch between them.
    choices = (
        Organization.objects.order_by("path").only("code", "name", "path")
        if user_scope(request.user).subtree_paths
        else []
    )
    return render(
        request,
        "pledges/rectification_form.html",
        {
            "form": form,
            "organization": organization,
            "organization_choices": choices,
            "categories": _categories(),
            "creating": True,
        },
    )


def _categories() -> list[str]:
    used = list(rectification_categories_used()[:50])
    return used + [str(name) for name in COMMON_CATEGORIES if str(name) not in used]


@login_required
def rectification_edit(request, pk: int):
    rectification = _rectification_or_404(pk)
    _require_manage(request.user, rectification)
    if rectification.is_published:
        messages.error(request, _("该整改结果已向群众公开，请先撤回公开再修改。"))
        return redirect(rectification)
    form = RectificationForm(
        request.POST or None, instance=rectification, organization=rectification.organization, editing=True
    )
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.fields if name in form.cleaned_data}
        # The ModelForm put the new values on the instance already; the service starts from the stored row.
        rectification.refresh_from_db()
        try:
            rectification_update(rectification=rectification, by=request.user, **fields)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("整改任务已修改。"))
            return redirect(rectification)
    return render(
        request,
        "pledges/rectification_form.html",
        {
            "form": form,
            "organization": rectification.organization,
            "rectification": rectification,
            "categories": _categories(),
        },
    )


@login_required
@require_GET
def rectification_detail(request, pk: int):
    rectification = _rectification_or_404(pk)
    supervisions = rectification_supervisions(user=request.user, rectification=rectification)
    organization = rectification.organization
    may_manage = may_manage_rectification(request.user, organization)
    open_supervision = next((item for item in supervisions if item.closed_at is None), None)
    dossier = rectification_dossier(rectification=rectification)
    return render(
        request,
        "pledges/rectification_detail.html",
        {
            "rectification": rectification,
            "late": is_late(rectification),
            "may_manage": may_manage,
            "supervisions": supervisions,
            "can_supervise": open_supervision is None
            and rectification.status not in DONE_STATUSES
            and may_supervise(request.user, organization),
            "can_sign_off": rectification.status == RectificationStatus.SOLVED
            and may_sign_off(request.user, rectification),
            "dossier": dossier,
            # Solved before sign-off existed: reported by the unit, never checked.
            "legacy": rectification.status == RectificationStatus.SOLVED and rectification.reported_at is None,
            "image_types": IMAGE_TYPES,
        },
    )


@login_required
def rectification_report_view(request, pk: int):
    rectification = _rectification_or_404(pk)
    _require_manage(request.user, rectification)
    if rectification.is_published or rectification.status == RectificationStatus.VERIFIED:
        messages.error(request, _("该整改任务已公开或已验收销号，不能再修改整改结果。"))
        return redirect(rectification)
    form = ReportDoneForm(
        request.POST or None,
        request.FILES or None,
        initial={"result": rectification.result, "solved_on": rectification.solved_on or timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            rectification_report_done(
                rectification=rectification,
                result=form.cleaned_data["result"],
                solved_on=form.cleaned_data["solved_on"],
                files=form.cleaned_data["files"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已报告整改完成，等待上级党组织或检查组验收销号。"))
            return redirect(rectification)
    return render(
        request,
        "pledges/rectification_report.html",
        {
            "form": form,
            "rectification": rectification,
            "dossier": rectification_dossier(rectification=rectification),
            "image_types": IMAGE_TYPES,
        },
    )


@login_required
def rectification_sign_off_view(request, pk: int):
    rectification = _rectification_or_404(pk)
    if not may_sign_off(request.user, rectification):
        raise PermissionDenied(_("验收销号由上级党组织、活动办公室或发现问题的检查组进行，责任单位不能自己验收。"))
    if rectification.status != RectificationStatus.SOLVED:
        messages.error(request, _("该整改任务不在待验收状态（可能已被验收销号或退回），请刷新后查看。"))
        return redirect(rectification)
    form = SignOffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == SignOffForm.SIGN_OFF:
                rectification_sign_off(rectification=rectification, note=data["note"], by=request.user)
                done = _("已验收销号，回头看日期为 %(date)s。") % {"date": rectification.lookback_due.isoformat()}
            else:
                rectification_send_back(rectification=rectification, reason=data["note"], by=request.user)
                done = _("已退回重改，责任单位会看到退回理由。")
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, done)
            return redirect(rectification)
    return render(
        request,
        "pledges/rectification_sign_off.html",
        {
            "form": form,
            "rectification": rectification,
            "dossier": rectification_dossier(rectification=rectification),
            "image_types": IMAGE_TYPES,
            "legacy": rectification.reported_at is None,
        },
    )


@login_required
@require_GET
def rectification_to_verify(request):
    """待验收: the reported tasks this user may sign off, oldest report first."""
    category = request.GET.get("category", "").strip()
    code = request.GET.get("organization", "").strip()
    organization = access_organization(request.user, code) if code else None
    campaign = campaign_in_use(request)
    tasks = rectifications_to_verify(
        user=request.user,
        campaign_id=campaign.pk if campaign else None,
        category=category,
        organization=organization,
    )
    page = Paginator(tasks, PER_PAGE).get_page(request.GET.get("page"))
    filters = {"category": category, "organization": code}
    return render(
        request,
        "pledges/rectification_to_verify.html",
        {
            "page": page,
            "filters": filters,
            "query_string": urlencode({key: value for key, value in filters.items() if value}),
            "organization": organization,
            "categories": rectification_categories_used(),
            "organizations": organizations_with_rectifications(solved_only=True),
        },
    )


@login_required
@require_GET
def rectification_evidence(request, pk: int):
    # The scoped manager answers 404 alike for a file that does not exist and one outside the scope.
    evidence = get_object_or_404(RectificationEvidence.objects.all(), pk=pk)
    return evidence_response(evidence, cache="private, max-age=3600")


@login_required
@require_POST
def rectification_publish_view(request, pk: int):
    rectification = _rectification_or_404(pk)
    _require_manage(request.user, rectification)
    try:
        rectification_publish(rectification=rectification, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("整改结果已在本组织公开栏公开。"))
    return redirect(rectification)


@login_required
@require_POST
def rectification_unpublish_view(request, pk: int):
    rectification = _rectification_or_404(pk)
    _require_manage(request.user, rectification)
    rectification_unpublish(rectification=rectification, by=request.user)
    messages.success(request, _("已撤回公开，公开栏不再显示这项整改结果。"))
    return redirect(rectification)


def _chosen_organization(request) -> Organization | None:
    code = request.GET.get("organization") or request.POST.get("organization") or ""
    return access_organization(request.user, code) if code else None


@login_required
@require_GET
def rectification_categories(request):
    """分门归类: solved tasks sorted by category, each category published in one go."""
    organization = _chosen_organization(request)
    return render(
        request,
        "pledges/rectification_categories.html",
        {
            "groups": solved_rectifications_by_category(organization=organization),
            "organization": organization,
            "organizations": organizations_with_rectifications(solved_only=True),
            "can_publish": _user_may_manage_any(request.user),
        },
    )


@login_required
@require_POST
def rectification_publish_category(request):
    if not _user_may_manage_any(request.user):
        raise PermissionDenied(_("您只能查看整改情况，不能公开。"))
    category = request.POST.get("category", "").strip()
    organization = _chosen_organization(request)
    waiting = [
        task
        for task in solved_rectifications(organization=organization)
        .filter(category=category, is_published=False)
        .select_related("organization")
        if may_manage_rectification(request.user, task.organization)
    ]
    published = rectifications_publish(rectifications=waiting, by=request.user)
    if published:
        messages.success(
            request,
            _("“%(category)s”类 %(count)s 项整改结果已在各组织公开栏公开。")
            % {"category": category, "count": len(published)},
        )
    else:
        messages.info(request, _("“%(category)s”类没有待公开的整改结果。") % {"category": category})
    target = reverse("pledges:rectification_categories")
    if organization is not None:
        target += "?" + urlencode({"organization": organization.code})
    return redirect(target)


# ---------------------------------------------------------------------------
# 挂牌督办
# ---------------------------------------------------------------------------


def _supervision_or_404(request, pk: int) -> Supervision:
    return get_object_or_404(
        visible_supervisions(request.user).select_related(
            "organization", "pledge_item__pledge", "rectification", "supervisor__member", "opened_by__member"
        ),
        pk=pk,
    )


def _open_supervision_page(request, *, target, organization: Organization, back: str, title: str):
    if not may_supervise(request.user, organization):
        raise PermissionDenied(_("挂牌督办由活动办公室或上级党组织进行。"))
    form = SupervisionForm(request.POST or None, organization=organization, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            supervision = supervision_open(
                item_or_rectification=target,
                supervisor=form.cleaned_data["supervisor"],
                deadline=form.cleaned_data["deadline"],
                notes=form.cleaned_data["notes"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已挂牌督办。"))
            return redirect("pledges:supervision", pk=supervision.pk)
    return render(
        request,
        "pledges/supervision_open.html",
        {"form": form, "organization": organization, "back": back, "title": title},
    )


@login_required
def supervision_open_item(request, pk: int):
    item = get_object_or_404(PledgeItem.objects.select_related("pledge__organization", "pledge__member"), pk=pk)
    back = reverse("pledges:item_progress", args=[item.pk])
    if request.method == "GET" and item_state(item) != ItemState.LATE:
        messages.error(request, _("只有逾期未完成的承诺事项才能挂牌督办。"))
        return redirect(back)
    return _open_supervision_page(
        request,
        target=item,
        organization=item.pledge.organization,
        back=back,
        title=_("承诺事项：%(target)s") % {"target": item.target},
    )


@login_required
def supervision_open_rectification(request, pk: int):
    rectification = _rectification_or_404(pk)
    return _open_supervision_page(
        request,
        target=rectification,
        organization=rectification.organization,
        back=rectification.get_absolute_url(),
        title=_("整改任务：%(problem)s") % {"problem": rectification.problem},
    )


@login_required
@require_GET
def supervision_list(request):
    today = timezone.localdate()
    show = request.GET.get("show", "open")
    if show != "closed":
        show = "open"
    supervisions = supervisions_listed(user=request.user, closed=show == "closed")
    page = Paginator(supervisions, PER_PAGE).get_page(request.GET.get("page"))
    for supervision in page:
        supervision.overdue = supervision.closed_at is None and supervision.deadline < today
        supervision.latest = supervision.recent[0] if supervision.recent else None
    return render(request, "pledges/supervision_list.html", {"page": page, "show": show})


@login_required
@require_GET
def supervision_detail(request, pk: int):
    supervision = _supervision_or_404(request, pk)
    follow_ups = supervision.follow_ups.select_related("noted_by__member")
    is_open = supervision.closed_at is None
    return render(
        request,
        "pledges/supervision_detail.html",
        {
            "supervision": supervision,
            "follow_ups": follow_ups,
            "overdue": is_open and supervision.deadline < timezone.localdate(),
            "target_state": ItemState(item_state(supervision.pledge_item)).label if supervision.pledge_item else "",
            "follow_up_form": FollowUpForm() if is_open and may_follow_up(request.user, supervision) else None,
            "close_form": CloseForm() if is_open and may_close_supervision(request.user, supervision) else None,
        },
    )


@login_required
@require_POST
def supervision_follow_up(request, pk: int):
    supervision = _supervision_or_404(request, pk)
    if not may_follow_up(request.user, supervision):
        raise PermissionDenied(_("您无权为这项督办填写跟踪情况。"))
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            follow_up_add(
                supervision=supervision,
                noted_on=form.cleaned_data["noted_on"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("跟踪情况已记录。"))
    else:
        messages.error(request, _("请填写日期和跟踪情况。"))
    return redirect("pledges:supervision", pk=supervision.pk)


@login_required
@require_POST
def supervision_close_view(request, pk: int):
    supervision = _supervision_or_404(request, pk)
    if not may_close_supervision(request.user, supervision):
        raise PermissionDenied(_("只有督办人或上级党组织可以销号。"))
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            supervision_close(supervision=supervision, closing_note=form.cleaned_data["closing_note"], by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("督办事项已销号。"))
    else:
        messages.error(request, _("销号时请写明整改落实情况。"))
    return redirect("pledges:supervision", pk=supervision.pk)
