from celery.exceptions import TimeoutError as CeleryTimeoutError
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import ProtectedError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST, require_safe

from campaign.forms import CampaignForm, DateInput, PhaseFormSet, SectorThemesForm, StandardEditor
from campaign.models import (
    AdoptionLevel,
    Campaign,
    InfoReport,
    InfoReportCategory,
    InfoReportPhoto,
    ModelNomination,
    NominationStatus,
    Phase,
    StandardSubject,
)
from campaign.nominations import (
    may_decide,
    may_decline,
    may_nominate,
    may_recommend,
    nomination_create,
    nomination_decline,
    nomination_quota,
    nomination_quota_export,
    nomination_recommend,
    nomination_select,
    nominations_in_scope,
    parse_quarter,
    quarter_bounds,
    quarter_label,
)
from campaign.reports import (
    info_report_adopt,
    info_report_submit,
    may_adopt,
    may_submit,
    parse_month,
    quota_export,
    report_quota,
    reports_in_scope,
)
from campaign.selectors import (
    campaign_for_detail,
    campaign_standard,
    current_campaign,
    day_within,
    phase_on,
    sector_theme_lines,
    visible_campaigns,
)
from campaign.services import (
    DEFAULT_STANDARDS,
    campaign_create,
    campaign_may_create,
    campaign_may_edit,
    campaign_phases_set,
    campaign_sector_themes_set,
    campaign_standards_set,
    campaign_update,
)
from campaign.tasks import health_probe
from campaign.votes import may_run_votes, nomination_vote_results
from orgs.access import access_organization, user_scope
from orgs.models import Member, Organization, OrganizationKind
from orgs.selectors import open_reminders, organization_search, tree_with_member_counts, visible_roots
from orgs.sheets.writing import xlsx_response
from pledges.progress import IMAGE_TYPES
from pledges.views.board import evidence_response
from pledges.views.progress import MultipleFileField
from reviews.assignments import reviewer_organization
from reviews.review_coverage import overdue_for_reviewer


@login_required
def home(request):
    """Each role's home page: what is due for the user, where the user stands in the tree
    and what lies below."""
    roots = visible_roots(request.user)
    query = request.GET.get("q", "").strip()
    tree, truncated = tree_with_member_counts(roots)
    matches = organization_search(roots, query) if query else None
    # Reviewers see first whom they let a whole review period go by without a review.
    overdue = None
    if reviewer_organization(request.user) is not None:
        campaign = current_campaign(request.user)
        today = day_within(campaign, timezone.localdate()) if campaign else timezone.localdate()
        overdue = overdue_for_reviewer(request.user, campaign, today)
    return render(
        request,
        "campaign/home.html",
        {
            "reminders": open_reminders(request.user),
            "overdue_reviews": overdue,
            "roots": roots,
            "tree": tree,
            "truncated": truncated,
            "query": query,
            "matches": matches,
            "scope": user_scope(request.user),
        },
    )


WORKER_PROBE_TIMEOUT_SECONDS = 5


@require_GET
def health(request):
    """For load balancers and operators: answers once the database does; with
    ?worker=1 also waits for a Celery worker to answer a probe task."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        # Restarting or unreachable: the load balancer takes this host out until it answers.
        return JsonResponse({"status": "database-unavailable"}, status=503)
    body = {"status": "ok", "database": connection.vendor, "broker": "redis" if settings.REDIS_URL else "in-process"}
    if request.GET.get("worker"):
        try:
            body["worker"] = health_probe.delay().get(timeout=WORKER_PROBE_TIMEOUT_SECONDS)
        except CeleryTimeoutError:
            return JsonResponse({**body, "status": "worker-timeout"}, status=503)
    return JsonResponse(body)


@login_required
def campaign_list(request):
    """The campaigns that apply to the user's part of the tree (run by it or above it)."""
    campaigns = list(visible_campaigns(request.user).prefetch_related("phases"))
    today = timezone.localdate()
    return render(
        request,
        "campaign/campaign_list.html",
        {
            "rows": [(campaign, phase_on(campaign, today)) for campaign in campaigns],
            "today": today,
            "can_create": campaign_may_create(request.user),
        },
    )


def _campaign_for_change(request, pk: int) -> Campaign:
    """A campaign the user may see (else 404) and change (else 403)."""
    campaign = get_object_or_404(Campaign.objects.select_related("organization"), pk=pk)
    if not campaign_may_edit(request.user, campaign):
        raise PermissionDenied(_("活动设置由县委创先争优办维护，您可以查看，不能修改。"))
    return campaign


def _show_refusal(form, error: ValidationError) -> None:
    """A service refused what the form let through (e.g. someone changed the campaign meanwhile)."""
    for message in error.messages:
        form.add_error(None, message)


@login_required
def campaign_detail(request, pk: int):
    campaign = get_object_or_404(campaign_for_detail(), pk=pk)
    today = timezone.localdate()
    standards = [
        campaign_standard(campaign, subject) for subject in (StandardSubject.ORGANIZATION, StandardSubject.MEMBER)
    ]
    return render(
        request,
        "campaign/campaign_detail.html",
        {
            "campaign": campaign,
            "today": today,
            "current_phase": phase_on(campaign, today),
            "standards": [standard for standard in standards if standard is not None],
            "sector_themes": sector_theme_lines(campaign),
            "can_edit": campaign_may_edit(request.user, campaign),
        },
    )


@login_required
def campaign_create_view(request):
    if not campaign_may_create(request.user):
        raise PermissionDenied(_("只有县委创先争优办可以新建活动。"))
    form = CampaignForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = campaign_create(
                organization=data["organization"],
                name=data["name"],
                theme=data["theme"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                satisfaction_threshold=data["satisfaction_threshold"],
                review_period_months=data["review_period_months"],
                reports_per_month=data["reports_per_month"],
                models_per_quarter=data["models_per_quarter"],
                by=request.user,
            )
        except ValidationError as error:
            _show_refusal(form, error)
        else:
            messages.success(
                request,
                _("活动已建立，并按惯例预置了三个阶段和“五个好”“五带头”标准。请核对各阶段的起止日期。"),
            )
            return redirect("campaign:phases", pk=campaign.pk)
    return render(request, "campaign/campaign_form.html", {"form": form, "campaign": None})


@login_required
def campaign_edit(request, pk: int):
    campaign = _campaign_for_change(request, pk)
    form = CampaignForm(request.POST or None, instance=campaign, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # The form has written the new values onto the instance; the service saves them.
        try:
            campaign_update(
                campaign=get_object_or_404(Campaign.objects, pk=pk),
                name=data["name"],
                theme=data["theme"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                satisfaction_threshold=data["satisfaction_threshold"],
                review_period_months=data["review_period_months"],
                reports_per_month=data["reports_per_month"],
                models_per_quarter=data["models_per_quarter"],
                by=request.user,
            )
        except ValidationError as error:
            _show_refusal(form, error)
        else:
            messages.success(request, _("活动基本信息已保存。"))
            return redirect(campaign)
    return render(request, "campaign/campaign_form.html", {"form": form, "campaign": campaign})


@login_required
def campaign_phases(request, pk: int):
    campaign = _campaign_for_change(request, pk)
    formset = PhaseFormSet(
        request.POST or None, instance=campaign, queryset=Phase.objects.order_by("starts_on", "order", "pk")
    )
    refusals = []
    if request.method == "POST" and formset.is_valid():
        try:
            campaign_phases_set(campaign=campaign, phases=formset.phase_inputs(), by=request.user)
        except ValidationError as error:
            refusals = error.messages
        else:
            messages.success(request, _("活动阶段已保存。"))
            return redirect(campaign)
    return render(
        request, "campaign/campaign_phases.html", {"campaign": campaign, "formset": formset, "refusals": refusals}
    )


@login_required
def campaign_standards(request, pk: int):
    campaign = _campaign_for_change(request, pk)
    editors = [
        StandardEditor(campaign=campaign, default=default, data=request.POST or None) for default in DEFAULT_STANDARDS
    ]
    if request.method == "POST" and all([editor.is_valid() for editor in editors]):
        try:
            campaign_standards_set(
                campaign=campaign, standards=[editor.standard_input() for editor in editors], by=request.user
            )
        except ValidationError as error:
            _show_refusal(editors[0].form, error)
        except ProtectedError:
            # A pledge item took up a dimension between the check and the delete.
            editors[0].form.add_error(None, _("要删除的标准内容刚刚被承诺事项对应，没有保存任何修改，请刷新后重试。"))
        else:
            messages.success(request, _("争创标准已保存。"))
            return redirect(campaign)
    return render(request, "campaign/campaign_standards.html", {"campaign": campaign, "editors": editors})


@login_required
def campaign_sector_themes(request, pk: int):
    campaign = _campaign_for_change(request, pk)
    form = SectorThemesForm(request.POST or None, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        campaign_sector_themes_set(campaign=campaign, themes=form.themes(), by=request.user)
        messages.success(request, _("领域主题已保存。"))
        return redirect(campaign)
    return render(request, "campaign/campaign_sector_themes.html", {"campaign": campaign, "form": form})


# ---------------------------------------------------------------------------
# 信息上报 (campaign/reports.py holds the rules)
# ---------------------------------------------------------------------------


class InfoReportForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("标题"), max_length=200)
    category = forms.ChoiceField(label=gettext_lazy("类别"), choices=InfoReportCategory.choices)
    reported_on = forms.DateField(label=gettext_lazy("报送日期"), widget=DateInput)
    body = forms.CharField(label=gettext_lazy("正文"), widget=forms.Textarea(attrs={"rows": 8}))
    photos = MultipleFileField(
        label=gettext_lazy("图片"),
        required=False,
        help_text=gettext_lazy("JPEG、PNG、WebP 图片或 PDF，每条最多 9 个，每个不超过 10 MB。"),
    )


class AdoptForm(forms.Form):
    level = forms.ChoiceField(label=gettext_lazy("采用级别"), choices=AdoptionLevel.choices)


def _report_campaign(request) -> Campaign:
    """The campaign chosen with ?campaign=, else the user's current one; 404 if none is visible."""
    chosen = request.GET.get("campaign", "")
    if chosen.isdigit():
        return get_object_or_404(Campaign.objects.all(), pk=int(chosen))
    campaign = current_campaign(request.user)
    if campaign is None:
        raise Http404(_("还没有您能查看的活动。"))
    return campaign


@login_required
@require_safe
def report_list(request):
    campaign = _report_campaign(request)
    today = timezone.localdate()
    month = parse_month(request.GET["month"], today) if request.GET.get("month") else None
    organization = None
    if request.GET.get("org"):
        organization = access_organization(request.user, request.GET["org"])
    adopted = {"1": True, "0": False}.get(request.GET.get("adopted", ""))
    reports = reports_in_scope(campaign, month=month, organization=organization, adopted=adopted)
    page = Paginator(reports, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "campaign/report_list.html",
        {
            "campaign": campaign,
            "page": page,
            "month": month,
            "organization": organization,
            "adopted": request.GET.get("adopted", ""),
            "may_submit": may_submit(request.user),
        },
    )


@login_required
def report_create(request):
    if not may_submit(request.user):
        raise PermissionDenied(_("只有党组织书记、上级党组织负责人和创先争优办可以上报信息。"))
    campaign = _report_campaign(request)
    form = InfoReportForm(
        request.POST or None,
        request.FILES or None,
        initial={"reported_on": day_within(campaign, timezone.localdate())},
    )
    if request.method == "POST" and form.is_valid():
        try:
            report = info_report_submit(
                campaign=campaign,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                reported_on=form.cleaned_data["reported_on"],
                category=form.cleaned_data["category"],
                photos=form.cleaned_data["photos"],
                by=request.user,
            )
        except ValidationError as error:
            _show_refusal(form, error)
        else:
            messages.success(request, _("信息已上报。"))
            return redirect(report)
    return render(
        request,
        "campaign/report_form.html",
        {"form": form, "campaign": campaign, "organization": request.user.organization},
    )


@login_required
@require_safe
def report_detail(request, pk: int):
    report = get_object_or_404(
        InfoReport.objects.select_related("organization", "campaign", "submitted_by", "adopted_by"), pk=pk
    )
    return render(
        request,
        "campaign/report_detail.html",
        {
            "report": report,
            "photos": list(report.photos.all()),
            "image_types": IMAGE_TYPES,
            "adopt_form": AdoptForm(initial={"level": report.adopted_level or AdoptionLevel.COUNTY})
            if may_adopt(request.user, report)
            else None,
        },
    )


@login_required
@require_POST
def report_adopt(request, pk: int):
    report = get_object_or_404(InfoReport.objects.select_related("organization"), pk=pk)
    if not may_adopt(request.user, report):
        raise PermissionDenied(_("只有创先争优办可以标记信息采用情况。"))
    form = AdoptForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择采用级别。"))
        return redirect(report)
    info_report_adopt(report=report, level=form.cleaned_data["level"], by=request.user)
    messages.success(request, _("已标记为%(level)s采用。") % {"level": AdoptionLevel(form.cleaned_data["level"]).label})
    return redirect(report)


@login_required
@require_safe
def report_photo(request, pk: int):
    # The scoped manager answers 404 alike for a photo that does not exist and one outside the scope.
    photo = get_object_or_404(InfoReportPhoto.objects.all(), pk=pk)
    return evidence_response(photo, cache="private, max-age=3600")


@login_required
@require_safe
def report_quota_view(request):
    campaign = _report_campaign(request)
    month = parse_month(request.GET.get("month"), day_within(campaign, timezone.localdate()))
    quota = report_quota(campaign, month)
    return render(request, "campaign/report_quota.html", {"campaign": campaign, "quota": quota})


@login_required
@require_safe
def report_quota_export(request):
    campaign = _report_campaign(request)
    month = parse_month(request.GET.get("month"), day_within(campaign, timezone.localdate()))
    quota = report_quota(campaign, month)
    filename = _("信息上报情况-%(month)s.xlsx") % {"month": quota.month.strftime("%Y-%m")}
    return xlsx_response(quota_export(quota), filename)


# ---------------------------------------------------------------------------
# 典型培树
# ---------------------------------------------------------------------------


NOMINATE_REFUSAL = gettext_lazy("只有党组织书记、上级党组织负责人和创先争优办可以推荐典型。")


class NominationForm(forms.Form):
    nominee = forms.ChoiceField(label=gettext_lazy("推荐对象"))
    deeds = forms.CharField(label=gettext_lazy("主要事迹"), widget=forms.Textarea(attrs={"rows": 8}))
    opinion = forms.CharField(label=gettext_lazy("推荐意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, organization: Organization, members, **kwargs):
        super().__init__(*args, **kwargs)
        organization_label = _("先进基层党组织：%(name)s") % {"name": organization.name}
        member_choices = [(str(m.pk), _("优秀共产党员：%(name)s") % {"name": m.name}) for m in members]
        self.fields["nominee"].choices = [("org", organization_label), *member_choices]


class NominationOpinionForm(forms.Form):
    opinion = forms.CharField(label=gettext_lazy("意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


@login_required
@require_safe
def nomination_list(request):
    campaign = _report_campaign(request)
    status = request.GET.get("status", "")
    page = Paginator(nominations_in_scope(campaign, status=status), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "campaign/nomination_list.html",
        {
            "campaign": campaign,
            "page": page,
            "status": status,
            "statuses": NominationStatus.choices,
            "may_nominate": may_nominate(request.user),
            "may_run_votes": may_run_votes(request.user, campaign.organization),
        },
    )


@login_required
def nomination_create_view(request):
    if not may_nominate(request.user):
        raise PermissionDenied(NOMINATE_REFUSAL)
    campaign = _report_campaign(request)
    anchor = request.user.organization
    if request.GET.get("org"):
        organization = access_organization(request.user, request.GET["org"], for_change=True)
    else:
        organization = anchor
    members = Member.objects.filter(organization=organization).order_by("name")
    form = NominationForm(request.POST or None, organization=organization, members=members)
    if request.method == "POST" and form.is_valid():
        nominee = form.cleaned_data["nominee"]
        member = None if nominee == "org" else members.get(pk=int(nominee))
        try:
            nomination = nomination_create(
                campaign=campaign,
                organization=organization if member is None else None,
                member=member,
                deeds=form.cleaned_data["deeds"],
                opinion=form.cleaned_data["opinion"],
                by=request.user,
            )
        except ValidationError as error:
            _show_refusal(form, error)
        else:
            messages.success(request, _("已推荐“%(name)s”。") % {"name": nomination.nominee_name})
            return redirect(nomination)
    # Only organizations that can themselves be models: not the mass organizations.
    choices = (
        Organization.objects.filter(path__startswith=anchor.path)
        .exclude(kind__in=OrganizationKind.mass_organizations())
        .only("name", "code", "path")
        .order_by("path")
    )
    return render(
        request,
        "campaign/nomination_form.html",
        {"form": form, "campaign": campaign, "organization": organization, "organizations": choices},
    )


def _nomination(pk: int) -> ModelNomination:
    return get_object_or_404(
        ModelNomination.objects.select_related(
            "campaign", "organization", "member", "current_level", "nominating_organization", "nominated_by"
        ),
        pk=pk,
    )


@login_required
@require_safe
def nomination_detail(request, pk: int):
    nomination = _nomination(pk)
    allowed = {
        "recommend": may_recommend(request.user, nomination),
        "select": may_decide(request.user, nomination),
        "decline": may_decline(request.user, nomination),
    }
    return render(
        request,
        "campaign/nomination_detail.html",
        {
            "nomination": nomination,
            "opinions": list(nomination.opinions.select_related("organization", "by")),
            "allowed": allowed,
            "opinion_form": NominationOpinionForm() if any(allowed.values()) else None,
            "vote_results": nomination_vote_results(nomination),
        },
    )


def _nomination_action(request, pk: int, service, done: str):
    nomination = _nomination(pk)
    form = NominationOpinionForm(request.POST)
    form.is_valid()
    try:
        service(nomination=nomination, opinion=form.cleaned_data.get("opinion", ""), by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect(nomination)


@login_required
@require_POST
def nomination_recommend_view(request, pk: int):
    return _nomination_action(request, pk, nomination_recommend, _("已推荐至上一级党组织。"))


@login_required
@require_POST
def nomination_select_view(request, pk: int):
    return _nomination_action(request, pk, nomination_select, _("已确定为典型。"))


@login_required
@require_POST
def nomination_decline_view(request, pk: int):
    return _nomination_action(request, pk, nomination_decline, _("已作出未通过的决定。"))


def _quota_quarter(request, campaign: Campaign):
    return parse_quarter(request.GET.get("quarter"), day_within(campaign, timezone.localdate()))


@login_required
@require_safe
def nomination_quota_view(request):
    campaign = _report_campaign(request)
    quarter = _quota_quarter(request, campaign)
    first, last = quarter_bounds(quarter)
    return render(
        request,
        "campaign/nomination_quota.html",
        {
            "campaign": campaign,
            "rows": nomination_quota(campaign, quarter),
            "quarter": quarter_label(first),
            "first": first,
            "last": last,
        },
    )


@login_required
@require_safe
def nomination_quota_export_view(request):
    campaign = _report_campaign(request)
    quarter = _quota_quarter(request, campaign)
    filename = _("典型培树情况-%(quarter)s.xlsx") % {"quarter": quarter_label(quarter)}
    return xlsx_response(nomination_quota_export(nomination_quota(campaign, quarter), quarter), filename)


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes' page for a login refused after too many wrong passwords (429), saying
    in Chinese how long to wait. Nothing on it tells whether the account exists."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)
