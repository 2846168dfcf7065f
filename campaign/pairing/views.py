"""党群共建 pages: the pairs (结对共建) and their joint activities, the mass organizations'
activities and honours, and joint meetings (联席会议) with their follow-up tasks. The rules
are in campaign.pairing.services; lookups answer 404 alike for missing and not yours."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from campaign.campaigns.access import access_chosen_campaign
from campaign.campaigns.selectors import day_within
from campaign.pairing.forms import ActivityForm, HonourForm, MeetingForm, PairForm, TaskDoneForm, TaskForm
from campaign.pairing.models import (
    FollowUpTask,
    JointActivity,
    JointActivityPhoto,
    MassActivity,
    MassHonour,
    MassPhoto,
    PairMember,
    PairSide,
)
from campaign.pairing.selectors import (
    access_followup_task,
    access_joint_meeting,
    access_mass_organization,
    access_pair,
    lagging_progress,
    mass_organizations_summary,
    meetings_visible,
    members_of,
    pairs_visible,
)
from campaign.pairing.services import (
    PairInput,
    activity_may_record,
    followup_task_add,
    followup_task_update,
    joint_activity_record,
    joint_meeting_record,
    mass_activity_record,
    mass_honour_record,
    mass_may_record,
    meeting_conveners,
    meeting_may_record,
    meeting_organizations,
    meeting_units,
    pair_create,
    pair_may_create,
    pair_may_manage,
    pair_organizations,
    pair_units,
    pair_update,
    task_may_update,
)
from pledges.evidence_serving import evidence_response

PHOTO_CACHE = "private, max-age=3600"


def _show_refusal(form, error: ValidationError) -> None:
    for message in error.messages:
        form.add_error(None, message)


# ---------------------------------------------------------------------------
# Pairs
# ---------------------------------------------------------------------------


@login_required
@require_safe
def pair_list(request):
    """The 党群共建 overview: the pairs, with each lagging unit's before and after."""
    campaign = access_chosen_campaign(request)
    pairs = list(pairs_visible(request.user, campaign).select_related("campaign"))
    members = members_of(pairs)
    progress = lagging_progress(pairs, members, today=timezone.localdate())
    rows = [
        {"pair": pair, "members": members.get(pair.pk, []), "progress": progress.get(pair.pk, [])} for pair in pairs
    ]
    return render(
        request,
        "campaign/pairing/pair_list.html",
        {
            "campaign": campaign,
            "rows": rows,
            "may_create": pair_may_create(request.user, campaign),
            "mass": mass_organizations_summary(request.user, campaign),
            "meetings": list(meetings_visible(request.user, campaign)[:5]),
        },
    )


def _pair_input(form: PairForm) -> PairInput:
    data = form.cleaned_data
    return PairInput(
        kind=data["kind"],
        name=data["name"],
        goals=data["goals"],
        starts_on=data["starts_on"],
        ends_on=data["ends_on"],
        members=form.members(),
    )


@login_required
def pair_create_view(request):
    campaign = access_chosen_campaign(request)
    if not pair_may_create(request.user, campaign):
        raise PermissionDenied(_("只有活动办公室或上级党组织可以建立结对。"))
    form = PairForm(
        request.POST or None,
        units=pair_units(request.user, campaign),
        initial={"starts_on": day_within(campaign, timezone.localdate()), "ends_on": campaign.ends_on},
    )
    if request.method == "POST" and form.is_valid():
        try:
            pair = pair_create(campaign=campaign, data=_pair_input(form), by=request.user)
        except (ValidationError, PermissionDenied) as error:
            _show_refusal(form, error if isinstance(error, ValidationError) else ValidationError(str(error)))
        else:
            messages.success(request, _("已建立结对“%(name)s”。") % {"name": pair.name})
            return redirect(pair)
    return render(request, "campaign/pairing/pair_form.html", {"campaign": campaign, "form": form, "pair": None})


@login_required
def pair_edit(request, pk: int):
    pair = access_pair(request.user, pk)
    organizations = pair_organizations(pair)
    if not pair_may_manage(request.user, pair.campaign, organizations):
        raise PermissionDenied(_("只有活动办公室或结对各单位的上级党组织可以修改结对。"))
    sides = {side: [] for side in PairSide.values}
    for member in PairMember._base_manager.filter(pair=pair).select_related("organization"):
        sides[member.side].append(member.organization.code)
    form = PairForm(
        request.POST or None,
        units=pair_units(request.user, pair.campaign),
        initial={
            "kind": pair.kind,
            "name": pair.name,
            "goals": pair.goals,
            "starts_on": pair.starts_on,
            "ends_on": pair.ends_on,
            "helpers": sides[PairSide.HELPER],
            "helped": sides[PairSide.HELPED],
            "partners": sides[PairSide.PARTNER],
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            pair_update(pair=pair, data=_pair_input(form), by=request.user)
        except (ValidationError, PermissionDenied) as error:
            _show_refusal(form, error if isinstance(error, ValidationError) else ValidationError(str(error)))
        else:
            messages.success(request, _("结对已修改。"))
            return redirect(pair)
    return render(request, "campaign/pairing/pair_form.html", {"campaign": pair.campaign, "form": form, "pair": pair})


@login_required
@require_safe
def pair_detail(request, pk: int):
    pair = access_pair(request.user, pk)
    members = members_of([pair])
    organizations = [member.organization for member in members.get(pair.pk, [])]
    activities = list(
        JointActivity._base_manager.filter(pair=pair).prefetch_related("photos").order_by("-held_on", "-pk")
    )
    return render(
        request,
        "campaign/pairing/pair_detail.html",
        {
            "pair": pair,
            "campaign": pair.campaign,
            "members": members.get(pair.pk, []),
            "progress": lagging_progress([pair], members, today=timezone.localdate()).get(pair.pk, []),
            "activities": activities,
            "may_manage": pair_may_manage(request.user, pair.campaign, organizations),
            "may_record": activity_may_record(request.user, organizations),
        },
    )


@login_required
def pair_activity_create(request, pk: int):
    pair = access_pair(request.user, pk)
    if not activity_may_record(request.user, pair_organizations(pair)):
        raise PermissionDenied(_("只有结对单位的活动办公室、负责人或党支部书记可以记录共建活动。"))
    form = ActivityForm(
        request.POST or None,
        request.FILES or None,
        initial={"held_on": min(max(timezone.localdate(), pair.starts_on), pair.ends_on)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            joint_activity_record(
                pair=pair,
                held_on=data["held_on"],
                title=data["title"],
                content=data["content"],
                participants=data["participants"],
                photos=data["photos"],
                by=request.user,
            )
        except ValidationError as error:
            _show_refusal(form, error)
        else:
            messages.success(request, _("共建活动已记录。"))
            return redirect(pair)
    return render(
        request,
        "campaign/pairing/activity_form.html",
        {"campaign": pair.campaign, "form": form, "pair": pair, "organization": None, "honour": False},
    )


@login_required
@require_safe
def pair_photo(request, pk: int):
    # The scoped manager answers 404 alike for a photo that does not exist and one outside the scope.
    photo = get_object_or_404(JointActivityPhoto.objects.all(), pk=pk)
    return evidence_response(photo, cache=PHOTO_CACHE)


# ---------------------------------------------------------------------------
# Mass organizations
# ---------------------------------------------------------------------------


@login_required
@require_safe
def mass_organization_list(request):
    campaign = access_chosen_campaign(request)
    return render(
        request,
        "campaign/pairing/mass_list.html",
        {"campaign": campaign, "mass": mass_organizations_summary(request.user, campaign)},
    )


@login_required
@require_safe
def mass_organization(request, code: str):
    organization = access_mass_organization(request.user, code)
    campaign = access_chosen_campaign(request)
    activities = MassActivity._base_manager.filter(campaign=campaign, organization=organization)
    honours = MassHonour._base_manager.filter(campaign=campaign, organization=organization)
    return render(
        request,
        "campaign/pairing/mass_detail.html",
        {
            "campaign": campaign,
            "organization": organization,
            "activities": list(activities.prefetch_related("photos").order_by("-held_on", "-pk")),
            "honours": list(honours.prefetch_related("photos").order_by("-awarded_on", "-pk")),
            "may_record": mass_may_record(request.user, organization),
        },
    )


def _mass_form_page(request, code: str, *, honour: bool):
    organization = access_mass_organization(request.user, code)
    if not mass_may_record(request.user, organization):
        raise PermissionDenied(_("只有群团组织本身或其所在党组织的活动办公室、负责人、书记可以记录群团活动和荣誉。"))
    campaign = access_chosen_campaign(request)
    today = day_within(campaign, timezone.localdate())
    if honour:
        form = HonourForm(request.POST or None, request.FILES or None, initial={"awarded_on": today})
    else:
        form = ActivityForm(request.POST or None, request.FILES or None, initial={"held_on": today})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        common = {"campaign": campaign, "organization": organization, "photos": data["photos"], "by": request.user}
        try:
            if honour:
                mass_honour_record(
                    kind=data["kind"],
                    level=data["level"],
                    title=data["title"],
                    awarded_to=data["awarded_to"],
                    awarded_on=data["awarded_on"],
                    citation=data["citation"],
                    **common,
                )
            else:
                mass_activity_record(
                    held_on=data["held_on"],
                    title=data["title"],
                    content=data["content"],
                    participants=data["participants"],
                    **common,
                )
        except ValidationError as error:
            _show_refusal(form, error)
        else:
            messages.success(request, _("群团荣誉已记录。") if honour else _("群团活动已记录。"))
            return redirect("campaign:mass_organization", code=organization.code)
    return render(
        request,
        "campaign/pairing/activity_form.html",
        {"campaign": campaign, "form": form, "pair": None, "organization": organization, "honour": honour},
    )


@login_required
def mass_activity_create(request, code: str):
    return _mass_form_page(request, code, honour=False)


@login_required
def mass_honour_create(request, code: str):
    return _mass_form_page(request, code, honour=True)


@login_required
@require_safe
def mass_photo(request, pk: int):
    photo = get_object_or_404(MassPhoto.objects.all(), pk=pk)
    return evidence_response(photo, cache=PHOTO_CACHE)


# ---------------------------------------------------------------------------
# Joint meetings
# ---------------------------------------------------------------------------


@login_required
@require_safe
def joint_meeting_list(request):
    campaign = access_chosen_campaign(request)
    return render(
        request,
        "campaign/pairing/meeting_list.html",
        {
            "campaign": campaign,
            "meetings": meetings_visible(request.user, campaign),
            "may_record": meeting_conveners(request.user, campaign).exists(),
        },
    )


@login_required
def joint_meeting_create(request):
    campaign = access_chosen_campaign(request)
    conveners = meeting_conveners(request.user, campaign)
    if not conveners.exists():
        raise PermissionDenied(_("只有活动办公室、负责人或党支部书记可以记录联席会议。"))
    form = MeetingForm(
        request.POST or None,
        conveners=conveners,
        units=meeting_units(request.user, campaign),
        initial={"held_on": day_within(campaign, timezone.localdate())},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = joint_meeting_record(
                campaign=campaign,
                convener=data["convener"],
                attendee_organizations=list(data["attendee_organizations"]),
                held_on=data["held_on"],
                attendees=data["attendees"],
                topics=data["topics"],
                decisions=data["decisions"],
                by=request.user,
            )
        except ValidationError as error:
            _show_refusal(form, error)
        else:
            messages.success(request, _("联席会议已记录，请分解落实事项。"))
            return redirect(meeting)
    return render(request, "campaign/pairing/meeting_form.html", {"campaign": campaign, "form": form})


def _meeting_page(request, meeting, *, task_form=None, status=200):
    organizations = meeting_organizations(meeting)
    may_record = meeting_may_record(request.user, meeting.convener)
    tasks = list(FollowUpTask._base_manager.filter(meeting=meeting).select_related("responsible", "meeting__convener"))
    for task in tasks:
        task.may_update = task_may_update(request.user, task)
    return render(
        request,
        "campaign/pairing/meeting_detail.html",
        {
            "campaign": meeting.campaign,
            "meeting": meeting,
            "attending": organizations[1:],
            "tasks": tasks,
            "may_record": may_record,
            "task_form": task_form or (TaskForm(organizations=organizations) if may_record else None),
            "today": timezone.localdate(),
        },
        status=status,
    )


@login_required
@require_safe
def joint_meeting(request, pk: int):
    return _meeting_page(request, access_joint_meeting(request.user, pk))


@login_required
@require_POST
def followup_task_add_view(request, pk: int):
    meeting = access_joint_meeting(request.user, pk)
    if not meeting_may_record(request.user, meeting.convener):
        raise PermissionDenied(_("只有召集单位的活动办公室、负责人或党支部书记可以分解会议落实事项。"))
    form = TaskForm(request.POST, organizations=meeting_organizations(meeting))
    if form.is_valid():
        data = form.cleaned_data
        try:
            followup_task_add(
                meeting=meeting,
                text=data["text"],
                responsible=data["responsible"],
                deadline=data["deadline"],
                by=request.user,
            )
        except ValidationError as error:
            _show_refusal(form, error)
        else:
            messages.success(request, _("落实事项已添加。"))
            return redirect(meeting)
    return _meeting_page(request, meeting, task_form=form)


@login_required
@require_POST
def followup_task_update_view(request, pk: int, task_pk: int):
    meeting = access_joint_meeting(request.user, pk)
    task = access_followup_task(request.user, meeting, task_pk)
    if not task_may_update(request.user, task):
        raise PermissionDenied(_("只有召集单位或责任单位可以登记落实情况。"))
    form = TaskDoneForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            followup_task_update(
                task=task, done=data["done"], note=data["note"], done_on=data["done_on"], by=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("落实情况已登记。"))
    else:
        messages.error(request, _("请按“年-月-日”填写完成日期。"))
    return redirect(meeting)
