"""Filing pledges and moving them along their life cycle: the list, a pledge's page,
its opinions and items, the decisions on it, its published versions and its history.

Who may do what is decided in pledges.lifecycle; these views only fetch through the
scoped managers (404 alike for missing and out of scope), validate input and turn the
services' refusals into messages.
"""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, QuerySet, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaign.campaigns.access import campaign_in_use
from campaign.campaigns.models import Campaign, StandardDimension
from campaign.campaigns.selectors import visible_campaigns
from campaign.infra.history import HistoryDiff, history_diffs
from orgs.access import user_scope
from orgs.models import Member, Organization
from pledges import assessment, lifecycle, services
from pledges.forms import (
    AssessForm,
    MemberPledgeForm,
    OpinionForm,
    OrganizationPledgeForm,
    PledgeForm,
    PledgeItemForm,
    PublishForm,
    ReturnForm,
)
from pledges.lifecycle import (
    TRANSITIONS,
    allowed_actions,
    content_diff,
    may_edit,
    may_see_history,
    pledge_content,
)
from pledges.models import (
    Fulfillment,
    Opinion,
    Pledge,
    PledgeItem,
    PledgeKind,
    PledgeState,
    PledgeVersion,
)
from pledges.progress import ItemState, item_state
from pledges.selectors import pledge_state_counts, pledges_awaiting, pledges_listed
from pledges.vagueness import item_warnings, pledge_warnings

PLEDGES_PER_PAGE = 30
PENDING_SHOWN = 50
STATE_BADGES = {
    PledgeState.DRAFT: "secondary",
    PledgeState.SUBMITTED: "warning",
    PledgeState.RETURNED: "danger",
    PledgeState.APPROVED: "info",
    PledgeState.PUBLISHED: "success",
    PledgeState.IN_PROGRESS: "primary",
    PledgeState.ASSESSED: "dark",
}
BADGE = Case(
    *(When(state=state, then=Value(color)) for state, color in STATE_BADGES.items()), default=Value("secondary")
)
# States in which the items have been made public and progress is recorded against them.
PUBLIC_STATES = {PledgeState.PUBLISHED, PledgeState.IN_PROGRESS, PledgeState.ASSESSED}
# States in which the vague-item check is shown: while filing and while awaiting the decision.
CHECKED_STATES = {PledgeState.DRAFT, PledgeState.RETURNED, PledgeState.SUBMITTED}


def _pledge_or_404(pk: int) -> Pledge:
    return get_object_or_404(Pledge.objects.select_related("campaign", "organization", "member"), pk=pk)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _form_errors(form) -> str:
    return " ".join(str(message) for errors in form.errors.values() for message in errors)


def _campaign_for(request) -> Campaign | None:
    return campaign_in_use(request)


def _member_subjects(campaign: Campaign | None, campaigns) -> QuerySet[Member]:
    """Whom a member pledge may be filed for: the subjects of the campaign in use; with
    none chosen, all the staff if any of the offered campaigns covers them (the form then
    checks the pair)."""
    if campaign is not None:
        return Member.objects.for_campaign(campaign)
    if any(offered.covers_all_staff for offered in campaigns):
        return Member.objects.all()
    return Member.objects.party_members()


def _may_file_organization_pledges(user) -> bool:
    return user_scope(user).writable and (user.is_superuser or user.role in lifecycle.FILING_ROLES)


def _may_file_member_pledges(user) -> bool:
    return _may_file_organization_pledges(user) or bool(user.member_id)


# ---------------------------------------------------------------------------
# The list
# ---------------------------------------------------------------------------


@login_required
def pledge_list(request):
    campaign = _campaign_for(request)
    context = {
        "campaign": campaign,
        "campaigns": visible_campaigns(request.user),
        "may_file_organization": _may_file_organization_pledges(request.user),
        "may_file_member": _may_file_member_pledges(request.user),
    }
    if campaign is None:
        return render(request, "pledges/pledge_list.html", context)

    state = request.GET.get("state", "")
    if state not in PledgeState.values:
        state = ""
    counts = pledge_state_counts(campaign)
    shown = pledges_listed(campaign=campaign, state=state).annotate(badge=BADGE)
    pending = pledges_awaiting(user=request.user, campaign=campaign, limit=PENDING_SHOWN + 1)
    pending_rows = [
        (pledge, sum(1 for item in pledge.items.all() if item_warnings(item, campaign))) for pledge in pending
    ]
    context.update(
        {
            "state": state,
            "state_filters": [(value, label, counts.get(value, 0)) for value, label in PledgeState.choices],
            "total": sum(counts.values()),
            "organization_page": Paginator(shown.filter(member__isnull=True), PLEDGES_PER_PAGE).get_page(
                request.GET.get("org_page")
            ),
            "member_page": Paginator(shown.filter(member__isnull=False), PLEDGES_PER_PAGE).get_page(
                request.GET.get("member_page")
            ),
            "pending_rows": pending_rows[:PENDING_SHOWN],
            "pending_more": len(pending_rows) > PENDING_SHOWN,
        }
    )
    return render(request, "pledges/pledge_list.html", context)


# ---------------------------------------------------------------------------
# Creating and editing a pledge
# ---------------------------------------------------------------------------


@login_required
def pledge_create(request):
    user = request.user
    for_member = request.GET.get("for", "") == "member" or not _may_file_organization_pledges(user)
    if for_member and not _may_file_member_pledges(user):
        raise PermissionDenied(_("您的账号只能查看，不能填报承诺。"))
    campaigns = visible_campaigns(user)
    if not campaigns.exists():
        messages.error(request, _("还没有可以承诺的活动，请等活动办公室设立活动后再填报。"))
        return redirect("pledges:list")
    initial = {"campaign": campaign_in_use(request, ask=False)}
    narrowed_to = None
    if for_member:
        if _may_file_organization_pledges(user):
            members = (
                _member_subjects(initial["campaign"], campaigns)
                .select_related("organization")
                .order_by("organization__path", "name")
            )
            code = request.GET.get("organization", "")
            if code:
                narrowed_to = get_object_or_404(Organization.objects, code=code)
                members = members.filter(organization=narrowed_to)
        else:
            # A plain member files only his or her own pledge.
            members = Member.objects.select_related("organization").filter(pk=user.member_id)
            initial["member"] = user.member_id
        form = MemberPledgeForm(request.POST or None, campaigns=campaigns, members=members, initial=initial)
    else:
        organizations = Organization.objects.order_by("path")
        code = request.GET.get("organization", "")
        if code:
            initial["organization"] = get_object_or_404(Organization.objects, code=code)
        elif user.organization_id:
            initial["organization"] = user.organization_id
        form = OrganizationPledgeForm(
            request.POST or None, campaigns=campaigns, organizations=organizations, initial=initial
        )

    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        member = data.get("member")
        try:
            pledge = services.pledge_create(
                campaign=data["campaign"],
                organization=member.organization if member else data["organization"],
                member=member,
                kind=data["kind"],
                title=data["title"],
                by=user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("承诺已建立。请登记征求群众意见的情况，再逐项填写承诺事项。"))
            return redirect(pledge)
    return render(
        request,
        "pledges/pledge_create.html",
        {"form": form, "for_member": for_member, "narrowed_to": narrowed_to},
    )


def _refuse_unless_editable(request, pledge: Pledge):
    """None when the user may edit the pledge now; otherwise a redirect with the reason
    (a pledge past its draft), or PermissionDenied (someone else's pledge)."""
    try:
        lifecycle.require_editable(pledge=pledge, user=request.user)
    except lifecycle.TransitionRefused as error:
        messages.error(request, _error_text(error))
        return redirect(pledge)
    return None


@login_required
def pledge_edit(request, pk: int):
    pledge = _pledge_or_404(pk)
    if refusal := _refuse_unless_editable(request, pledge):
        return refusal
    form = PledgeForm(request.POST or None, instance=pledge)
    if request.method == "POST" and form.is_valid():
        try:
            services.pledge_update(
                pledge=pledge, by=request.user, kind=form.cleaned_data["kind"], title=form.cleaned_data["title"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect(pledge)
    return render(
        request,
        "pledges/pledge_form.html",
        {"form": form, "pledge": pledge, "heading": _("修改承诺标题和类型")},
    )


# ---------------------------------------------------------------------------
# Opinions and items
# ---------------------------------------------------------------------------


def _opinion_or_404(pk: int) -> Opinion:
    return get_object_or_404(
        Opinion.objects.select_related("pledge__campaign", "pledge__organization", "pledge__member"), pk=pk
    )


def _item_or_404(pk: int) -> PledgeItem:
    return get_object_or_404(
        PledgeItem.objects.select_related("pledge__campaign", "pledge__organization", "pledge__member"), pk=pk
    )


def _opinion_page(request, pledge: Pledge, opinion: Opinion | None):
    if refusal := _refuse_unless_editable(request, pledge):
        return refusal
    form = OpinionForm(request.POST or None, instance=opinion)
    if request.method == "POST" and form.is_valid():
        try:
            if opinion is None:
                services.opinion_add(pledge=pledge, by=request.user, **form.cleaned_data)
            else:
                services.opinion_update(opinion=opinion, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("征求意见情况已保存。"))
            return redirect(f"{pledge.get_absolute_url()}#opinions")
    heading = _("登记征求意见情况") if opinion is None else _("修改征求意见情况")
    return render(request, "pledges/pledge_form.html", {"form": form, "pledge": pledge, "heading": heading})


@login_required
def opinion_add(request, pk: int):
    return _opinion_page(request, _pledge_or_404(pk), None)


@login_required
def opinion_edit(request, pk: int):
    opinion = _opinion_or_404(pk)
    return _opinion_page(request, opinion.pledge, opinion)


def _item_page(request, pledge: Pledge, item: PledgeItem | None):
    if refusal := _refuse_unless_editable(request, pledge):
        return refusal
    form = PledgeItemForm(request.POST or None, instance=item, pledge=pledge)
    if request.method == "POST" and form.is_valid():
        try:
            if item is None:
                saved = services.item_add(pledge=pledge, by=request.user, **form.cleaned_data)
            else:
                saved = services.item_update(item=item, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            warnings = item_warnings(saved, pledge.campaign)
            if warnings:
                messages.warning(
                    request,
                    _("事项已保存，但有%(count)d条提醒：写得越具体，群众越好监督。提醒不影响提交。")
                    % {"count": len(warnings)},
                )
            else:
                messages.success(request, _("事项已保存。"))
            return redirect(f"{pledge.get_absolute_url()}#item-{saved.pk}")
    # The check runs on what the filer sees: the saved item, or what was just typed.
    checked = form.cleaned_data if form.is_bound and form.is_valid() else item
    warnings = item_warnings(checked, pledge.campaign) if checked is not None else []
    heading = _("添加承诺事项") if item is None else _("修改承诺事项")
    return render(
        request,
        "pledges/pledge_item_form.html",
        {"form": form, "pledge": pledge, "item": item, "warnings": warnings, "heading": heading},
    )


@login_required
def item_add(request, pk: int):
    return _item_page(request, _pledge_or_404(pk), None)


@login_required
def item_edit(request, pk: int):
    item = _item_or_404(pk)
    return _item_page(request, item.pledge, item)


def _delete_page(request, pledge: Pledge, *, what: str, description: str, remove):
    if refusal := _refuse_unless_editable(request, pledge):
        return refusal
    if request.method == "POST":
        try:
            remove()
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("已删除。"))
        return redirect(pledge)
    return render(
        request,
        "pledges/pledge_confirm_delete.html",
        {"pledge": pledge, "what": what, "description": description},
    )


@login_required
def item_delete(request, pk: int):
    item = _item_or_404(pk)
    return _delete_page(
        request,
        item.pledge,
        what=_("承诺事项"),
        description=item.target,
        remove=lambda: services.item_remove(item=item, by=request.user),
    )


@login_required
def opinion_delete(request, pk: int):
    opinion = _opinion_or_404(pk)
    return _delete_page(
        request,
        opinion.pledge,
        what=_("征求意见情况"),
        description=f"{opinion.solicited_on:%Y-%m-%d} {opinion.get_method_display()}",
        remove=lambda: services.opinion_remove(opinion=opinion, by=request.user),
    )


@login_required
@require_POST
def item_move(request, pk: int, direction: str):
    if direction not in ("up", "down"):
        raise Http404
    item = _item_or_404(pk)
    if refusal := _refuse_unless_editable(request, item.pledge):
        return refusal
    try:
        services.item_move(item=item, by=request.user, step=-1 if direction == "up" else 1)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    return redirect(f"{item.pledge.get_absolute_url()}#item-{item.pk}")


# ---------------------------------------------------------------------------
# A pledge's page
# ---------------------------------------------------------------------------


@login_required
def pledge_detail(request, pk: int):
    pledge = _pledge_or_404(pk)
    user = request.user
    opinions = list(pledge.opinions.all())
    items = list(pledge.items.select_related("dimension"))
    public = pledge.state in PUBLIC_STATES
    # Warnings help before the decision; once approved they would only be noise.
    checked = pledge.state in CHECKED_STATES
    item_rows = [
        {
            "item": item,
            "warnings": item_warnings(item, pledge.campaign) if checked else [],
            "state": ItemState(item_state(item)) if public else None,
        }
        for item in items
    ]
    actions = allowed_actions(pledge=pledge, user=user)
    revision = None
    if pledge.published_version and not public:
        # A revision in the works: show what would change against what the masses saw.
        published = PledgeVersion.objects.filter(pledge=pledge, number=pledge.published_version).first()
        if published is not None:
            revision = _labelled(content_diff(published.content, pledge_content(pledge)))
    return render(
        request,
        "pledges/pledge_detail.html",
        {
            "pledge": pledge,
            "opinions": opinions,
            "item_rows": item_rows,
            "vague_items": sum(1 for row in item_rows if row["warnings"]),
            "pledge_warnings": pledge_warnings(has_opinions=bool(opinions), item_count=len(items)) if checked else [],
            "actions": actions,
            "labels": {name: TRANSITIONS[name].label for name in actions},
            "editable": may_edit(pledge=pledge, user=user),
            "may_see_history": may_see_history(user, pledge),
            "badge": STATE_BADGES[pledge.state],
            "return_form": ReturnForm(),
            "publish_form": PublishForm(),
            "assess_form": AssessForm(),
            "revision": revision,
        },
    )


# ---------------------------------------------------------------------------
# Transitions: one POST each
# ---------------------------------------------------------------------------


def _transition(request, pk: int, name: str, form_class=None) -> tuple[Pledge, dict | None]:
    """Fetch (404), check the user's side (403), validate the form: the pledge and the
    cleaned data, or None for data after putting the form's errors in a message."""
    pledge = _pledge_or_404(pk)
    transition = TRANSITIONS[name]
    if not transition.allowed(request.user, pledge):
        raise PermissionDenied(_("您无权对这份承诺执行“%(action)s”。") % {"action": transition.label})
    if form_class is None:
        return pledge, {}
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return pledge, None
    return pledge, form.cleaned_data


def _apply(request, pledge: Pledge, act, success: str):
    """Apply the transition; a refusal by state or by the rules becomes a message."""
    try:
        act()
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, success)
    return redirect(pledge)


@login_required
@require_POST
def pledge_submit(request, pk: int):
    pledge, data = _transition(request, pk, "submit")
    vague = sum(1 for item in pledge.items.all() if item_warnings(item, pledge.campaign))
    success = _("承诺已提交，等待上级党组织审核。")
    if vague:
        success = _("承诺已提交，等待上级党组织审核。有%(count)d个事项写得可能不够具体，审核人也会看到这些提醒。") % {
            "count": vague
        }
    return _apply(request, pledge, lambda: lifecycle.pledge_submit(pledge=pledge, by=request.user), success)


@login_required
@require_POST
def pledge_approve(request, pk: int):
    pledge, data = _transition(request, pk, "approve")
    return _apply(
        request,
        pledge,
        lambda: lifecycle.pledge_approve(pledge=pledge, by=request.user),
        _("已审核通过，承诺方可以向群众公示了。"),
    )


@login_required
@require_POST
def pledge_return(request, pk: int):
    pledge, data = _transition(request, pk, "return", ReturnForm)
    if data is None:
        return redirect(pledge)
    return _apply(
        request,
        pledge,
        lambda: lifecycle.pledge_return(pledge=pledge, by=request.user, reason=data["reason"]),
        _("已退回，承诺方会看到退回理由。"),
    )


@login_required
@require_POST
def pledge_withdraw(request, pk: int):
    pledge, data = _transition(request, pk, "withdraw")
    return _apply(
        request,
        pledge,
        lambda: lifecycle.pledge_withdraw(pledge=pledge, by=request.user),
        _("已撤回提交，承诺回到草稿，可以修改后重新提交审核。"),
    )


@login_required
@require_POST
def pledge_publish(request, pk: int):
    pledge, data = _transition(request, pk, "publish", PublishForm)
    if data is None:
        return redirect(pledge)
    return _apply(
        request,
        pledge,
        lambda: lifecycle.pledge_publish(
            pledge=pledge, by=request.user, channel=data["channel"], published_on=data["published_on"]
        ),
        _("承诺已公示，并存为第%(number)d版。") % {"number": pledge.published_version + 1},
    )


@login_required
@require_POST
def pledge_revise(request, pk: int):
    pledge, data = _transition(request, pk, "revise")
    return _apply(
        request,
        pledge,
        lambda: lifecycle.pledge_revise(pledge=pledge, by=request.user),
        _("可以修改承诺了。修改后须重新提交审核、公示，成为新的版本；已公示的版本保留不变。"),
    )


@login_required
@require_POST
def pledge_assess(request, pk: int):
    pledge, data = _transition(request, pk, "assess", AssessForm)
    if data is None:
        return redirect(pledge)
    return _apply(
        request,
        pledge,
        lambda: assessment.pledge_assess(
            pledge=pledge, by=request.user, fulfillment=data["fulfillment"], comment=data["comment"]
        ),
        _("已评定兑现情况，并为承诺人建立了教育整改任务。")
        if data["fulfillment"] == Fulfillment.NOT_FULFILLED
        else _("已评定兑现情况。"),
    )


# ---------------------------------------------------------------------------
# Versions and their differences
# ---------------------------------------------------------------------------


def _labelled(diff: lifecycle.ContentDiff) -> lifecycle.ContentDiff:
    """Opinion methods as words, for the template."""
    methods = dict(Opinion.Method.choices)
    for opinion in (*diff.opinions_added, *diff.opinions_removed):
        opinion["method_label"] = methods.get(opinion["method"], opinion["method"])
    return diff


@login_required
def pledge_versions(request, pk: int):
    pledge = _pledge_or_404(pk)
    versions = list(PledgeVersion.objects.filter(pledge=pledge).select_related("published_by__member"))
    old, new = request.GET.get("old", ""), request.GET.get("new", "")
    if old.isdigit() and new.isdigit():
        return redirect("pledges:diff", pledge.pk, int(old), int(new))
    kinds = dict(PledgeKind.choices)
    methods = dict(Opinion.Method.choices)
    for version in versions:
        version.kind_label = kinds.get(version.content.get("kind"), "")
        for opinion in version.content.get("opinions", []):
            opinion["method_label"] = methods.get(opinion["method"], opinion["method"])
    return render(
        request,
        "pledges/pledge_versions.html",
        {"pledge": pledge, "versions": versions, "badge": STATE_BADGES[pledge.state]},
    )


@login_required
def pledge_diff(request, pk: int, old: int, new: int):
    pledge = _pledge_or_404(pk)
    versions = {
        version.number: version
        for version in PledgeVersion.objects.filter(pledge=pledge, number__in=[old, new]).select_related(
            "published_by__member"
        )
    }
    if old not in versions or new not in versions:
        raise Http404(_("找不到该版本。"))
    return render(
        request,
        "pledges/pledge_diff.html",
        {
            "pledge": pledge,
            "old": versions[old],
            "new": versions[new],
            "diff": _labelled(content_diff(versions[old].content, versions[new].content)),
            "numbers": range(1, pledge.published_version + 1),
        },
    )


# ---------------------------------------------------------------------------
# History: who changed what and when
# ---------------------------------------------------------------------------

HISTORY_FIELDS = {
    Pledge: [
        "title",
        "kind",
        "state",
        "return_reason",
        "published_on",
        "publication_channel",
        "published_version",
        "fulfillment",
        "assessment_comment",
    ],
    PledgeItem: [
        "order",
        "target",
        "work",
        "practical_things",
        "dimension",
        "due_date",
        "measurable_result",
        "completed_on",
    ],
    Opinion: ["solicited_on", "method", "summary"],
}


def history_rows(pledge: Pledge) -> list[HistoryDiff]:
    """The pledge's, its items' and its opinions' history, newest first. Four queries."""
    sources = [
        (Pledge, Pledge.history.filter(id=pledge.pk)),
        (PledgeItem, PledgeItem.history.filter(pledge_id=pledge.pk)),
        (Opinion, Opinion.history.filter(pledge_id=pledge.pk)),
    ]
    records = {model: list(queryset.select_related("history_user__member")) for model, queryset in sources}
    dimension_ids = {record.dimension_id for record in records[PledgeItem] if record.dimension_id}
    dimensions = dict(
        StandardDimension.objects.filter(pk__in=dimension_ids).values_list("pk", "name") if dimension_ids else []
    )
    shown = {
        "dimension": lambda pk: dimensions.get(pk, ""),
        "order": lambda order: str(order + 1),  # numbered from 1 on the page
        "published_version": lambda version: str(version) if version else "",
    }
    rows = []
    for model, model_records in records.items():
        diffs = history_diffs(
            model_records, subject=partial(_subject, model), fields=HISTORY_FIELDS[model], shown=shown
        )
        rows += [diff for diff in diffs if not diff.changed_nothing]
    rows.sort(key=lambda row: row.when, reverse=True)
    return rows


def _subject(model, record) -> str:
    if model is Pledge:
        return _("承诺")
    if model is PledgeItem:
        return _("事项：%(target)s") % {"target": record.target[:20]}
    return _("征求意见：%(date)s") % {"date": record.solicited_on.isoformat()}


@login_required
def pledge_history(request, pk: int):
    pledge = _pledge_or_404(pk)
    if not may_see_history(request.user, pledge):
        raise PermissionDenied(_("修改记录只对审核的上级党组织和活动办公室开放。"))
    return render(request, "pledges/pledge_history.html", {"pledge": pledge, "rows": history_rows(pledge)})
