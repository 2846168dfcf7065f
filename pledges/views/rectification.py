"""集中核查 pages: rectification tasks, publishing solved ones by category, and 挂牌督办."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from campaign.models import Campaign
from campaign.selectors import current_campaign
from orgs.access import access_organization, user_scope
from orgs.models import Member, Organization
from pledges.models import (
    FollowUp,
    PledgeItem,
    Rectification,
    RectificationSource,
    RectificationStatus,
    Supervision,
)
from pledges.progress import ItemState, item_state
from pledges.rectification import (
    MANAGING_ROLES,
    follow_up_add,
    is_late,
    late_rectifications_q,
    may_close_supervision,
    may_follow_up,
    may_manage_rectification,
    may_supervise,
    rectification_create,
    rectification_publish,
    rectification_solve,
    rectification_unpublish,
    rectification_update,
    rectifications_publish,
    supervision_close,
    supervision_open,
    supervisor_candidates,
    visible_supervisions,
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


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# ---------------------------------------------------------------------------
# Forms
# ---------------------------------------------------------------------------


class RectificationForm(forms.ModelForm):
    """The task as the responsible organization writes it; the service checks it again."""

    class Meta:
        model = Rectification
        fields = ["campaign", "source", "category", "problem", "measure", "owner", "deadline", "member", "pledge_item"]
        widgets = {
            "deadline": _date_input(),
            "category": forms.TextInput(attrs={"list": "rectification-categories", "autocomplete": "off"}),
            "problem": forms.Textarea(attrs={"rows": 3}),
            "measure": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "category": gettext_lazy("同类问题用同一个类别，整改完成后按类别向群众公开。"),
            "owner": gettext_lazy("例如：支部书记 张某某"),
        }

    # Declared with their querysets set per request: a scoped manager cannot be queried
    # when the form class is built at import time.
    campaign = forms.ModelChoiceField(label=gettext_lazy("活动"), queryset=None)
    member = forms.ModelChoiceField(label=gettext_lazy("责任党员"), queryset=None, required=False)
    pledge_item = forms.ModelChoiceField(label=gettext_lazy("相关承诺事项"), queryset=None, required=False)
    status = forms.ChoiceField(
        label=gettext_lazy("整改状态"),
        # Solved is reached through the solve page, which asks for the result.
        choices=[choice for choice in RectificationStatus.choices if choice[0] != RectificationStatus.SOLVED],
        required=False,
    )

    def __init__(self, *args, organization: Organization, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["campaign"].queryset = Campaign.objects.order_by("-starts_on", "-pk")
        self.fields["member"].queryset = Member.objects.filter(organization=organization).order_by("name")
        self.fields["pledge_item"].queryset = PledgeItem.objects.filter(
            pledge__organization=organization, pledge__published_version__gt=0
        ).select_related("pledge")
        self.fields["pledge_item"].label_from_instance = lambda item: f"{item.pledge.title}：{item.target[:30]}"
        if editing:
            del self.fields["campaign"]
            if self.instance.status == RectificationStatus.SOLVED:
                del self.fields["status"]
            else:
                self.fields["status"].initial = self.instance.status
                self.fields["status"].required = True
        else:
            del self.fields["status"]
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("保存"), css_class="btn-lg"))

    def clean(self):
        cleaned = super().clean()
        campaign = cleaned.get("campaign") or getattr(self.instance, "campaign", None)
        if campaign is not None and not self.organization.is_within(campaign.organization):
            self.add_error("campaign", _("该组织不在这项活动的范围内。"))
        return cleaned


class SolveForm(forms.Form):
    result = forms.CharField(
        label=gettext_lazy("整改结果"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("写明整改后的实际效果，这段文字将向群众公开。"),
    )
    solved_on = forms.DateField(label=gettext_lazy("完成日期"), widget=_date_input())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("整改完成"), css_class="btn-lg"))


class SupervisionForm(forms.Form):
    supervisor = forms.ModelChoiceField(label=gettext_lazy("督办人"), queryset=None)
    deadline = forms.DateField(label=gettext_lazy("督办时限"), widget=_date_input())
    notes = forms.CharField(label=gettext_lazy("督办要求"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, organization: Organization, user, **kwargs):
        super().__init__(*args, **kwargs)
        candidates = supervisor_candidates(organization=organization, by=user)
        self.fields["supervisor"].queryset = candidates
        self.fields["supervisor"].label_from_instance = lambda account: (
            _("%(name)s（%(organization)s）")
            % {
                "name": account.display_name,
                "organization": account.organization.name,
            }
        )
        if any(account.pk == user.pk for account in candidates):
            self.fields["supervisor"].initial = user.pk
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("挂牌督办"), css_class="btn-lg btn-danger"))


class FollowUpForm(forms.Form):
    noted_on = forms.DateField(label=gettext_lazy("日期"), widget=_date_input())
    note = forms.CharField(label=gettext_lazy("跟踪情况"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["noted_on"].initial = timezone.localdate()
        self.helper = FormHelper()
        self.helper.form_tag = False


class CloseForm(forms.Form):
    closing_note = forms.CharField(label=gettext_lazy("销号说明"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


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
    tasks = (
        Rectification.objects.select_related("organization", "member", "campaign")
        .annotate(supervised=Exists(Supervision.objects.filter(rectification=OuterRef("pk"), closed_at__isnull=True)))
        .order_by("status", "deadline", "pk")
    )
    status = request.GET.get("status", "")
    if status in RectificationStatus.values:
        tasks = tasks.filter(status=status)
    category = request.GET.get("category", "").strip()
    if category:
        tasks = tasks.filter(category=category)
    organization = None
    code = request.GET.get("organization", "").strip()
    if code:
        organization = access_organization(request.user, code)
        tasks = tasks.filter(organization__path__startswith=organization.path)
    late_only = request.GET.get("late") == "1"
    if late_only:
        tasks = tasks.filter(late_rectifications_q(today))
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
            "categories": Rectification.objects.order_by("category").values_list("category", flat=True).distinct(),
            "organizations": Organization.objects.filter(
                pk__in=Rectification.objects.values("organization_id")
            ).order_by("path"),
            "can_create": _user_may_manage_any(request.user),
        },
    )


@login_required
def rectification_create_view(request):
    if not _user_may_manage_any(request.user):
        raise PermissionDenied(_("只有县委创先争优办、上级党组织负责人和党支部书记可以登记整改任务。"))
    code = request.GET.get("organization") or request.POST.get("organization")
    if not code and request.user.organization_id:
        code = request.user.organization.code
    if not code:
        raise Http404(_("请先选择责任组织。"))
    organization = access_organization(request.user, code, for_change=True)
    if not may_manage_rectification(request.user, organization):
        raise PermissionDenied(_("您无权管理“%(name)s”的整改任务。") % {"name": organization.name})
    initial = {"deadline": None}
    campaign = current_campaign(request.user)
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
    used = list(Rectification.objects.order_by("category").values_list("category", flat=True).distinct()[:50])
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
    supervisions = (
        visible_supervisions(request.user)
        .filter(rectification=rectification)
        .select_related("supervisor__member")
        .prefetch_related(Prefetch("follow_ups", queryset=FollowUp.objects.select_related("noted_by__member")))
    )
    supervisions = list(supervisions)
    organization = rectification.organization
    may_manage = may_manage_rectification(request.user, organization)
    open_supervision = next((item for item in supervisions if item.closed_at is None), None)
    return render(
        request,
        "pledges/rectification_detail.html",
        {
            "rectification": rectification,
            "late": is_late(rectification),
            "may_manage": may_manage,
            "supervisions": supervisions,
            "can_supervise": open_supervision is None
            and rectification.status != RectificationStatus.SOLVED
            and may_supervise(request.user, organization),
        },
    )


@login_required
def rectification_solve_view(request, pk: int):
    rectification = _rectification_or_404(pk)
    _require_manage(request.user, rectification)
    if rectification.is_published:
        messages.error(request, _("该整改结果已向群众公开，请先撤回公开再修改。"))
        return redirect(rectification)
    form = SolveForm(
        request.POST or None,
        initial={"result": rectification.result, "solved_on": rectification.solved_on or timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            rectification_solve(
                rectification=rectification,
                result=form.cleaned_data["result"],
                solved_on=form.cleaned_data["solved_on"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已标记为整改完成，可以向群众公开整改结果。"))
            return redirect(rectification)
    return render(request, "pledges/rectification_solve.html", {"form": form, "rectification": rectification})


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


def _solved_in_filter(request):
    tasks = Rectification.objects.filter(status=RectificationStatus.SOLVED)
    code = request.GET.get("organization") or request.POST.get("organization") or ""
    organization = None
    if code:
        organization = access_organization(request.user, code)
        tasks = tasks.filter(organization__path__startswith=organization.path)
    return tasks, organization


@login_required
@require_GET
def rectification_categories(request):
    """分门归类: solved tasks sorted by category, each category published in one go."""
    tasks, organization = _solved_in_filter(request)
    tasks = tasks.select_related("organization").order_by("category", "organization__path", "-solved_on", "pk")
    groups: list[dict] = []
    for task in tasks:
        if not groups or groups[-1]["category"] != task.category:
            groups.append({"category": task.category, "tasks": [], "unpublished": 0})
        groups[-1]["tasks"].append(task)
        if not task.is_published:
            groups[-1]["unpublished"] += 1
    return render(
        request,
        "pledges/rectification_categories.html",
        {
            "groups": groups,
            "organization": organization,
            "organizations": Organization.objects.filter(
                pk__in=Rectification.objects.filter(status=RectificationStatus.SOLVED).values("organization_id")
            ).order_by("path"),
            "can_publish": _user_may_manage_any(request.user),
        },
    )


@login_required
@require_POST
def rectification_publish_category(request):
    if not _user_may_manage_any(request.user):
        raise PermissionDenied(_("您只能查看整改情况，不能公开。"))
    category = request.POST.get("category", "").strip()
    tasks, organization = _solved_in_filter(request)
    waiting = [
        task
        for task in tasks.filter(category=category, is_published=False).select_related("organization")
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
        raise PermissionDenied(_("挂牌督办由县委创先争优办或上级党组织进行。"))
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
    supervisions = (
        visible_supervisions(request.user)
        .select_related("organization", "pledge_item__pledge", "rectification", "supervisor__member")
        .annotate(follow_up_count=Count("follow_ups"))
        .prefetch_related(
            Prefetch("follow_ups", queryset=FollowUp.objects.order_by("-noted_on", "-pk"), to_attr="recent")
        )
    )
    if show == "closed":
        supervisions = supervisions.filter(closed_at__isnull=False).order_by("-closed_at")
    else:
        show = "open"
        supervisions = supervisions.filter(closed_at__isnull=True).order_by("deadline", "pk")
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


urlpatterns = [
    path("rectifications/", rectification_list, name="rectifications"),
    path("rectifications/new/", rectification_create_view, name="rectification_create"),
    path("rectifications/categories/", rectification_categories, name="rectification_categories"),
    path("rectifications/categories/publish/", rectification_publish_category, name="rectification_publish_category"),
    path("rectifications/<int:pk>/", rectification_detail, name="rectification"),
    path("rectifications/<int:pk>/edit/", rectification_edit, name="rectification_edit"),
    path("rectifications/<int:pk>/solve/", rectification_solve_view, name="rectification_solve"),
    path("rectifications/<int:pk>/publish/", rectification_publish_view, name="rectification_publish"),
    path("rectifications/<int:pk>/unpublish/", rectification_unpublish_view, name="rectification_unpublish"),
    path("rectifications/<int:pk>/supervise/", supervision_open_rectification, name="supervision_open_rectification"),
    path("items/<int:pk>/supervise/", supervision_open_item, name="supervision_open_item"),
    path("supervisions/", supervision_list, name="supervisions"),
    path("supervisions/<int:pk>/", supervision_detail, name="supervision"),
    path("supervisions/<int:pk>/follow-up/", supervision_follow_up, name="supervision_follow_up"),
    path("supervisions/<int:pk>/close/", supervision_close_view, name="supervision_close"),
]
