from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from orgs.access import access_organization, user_scope
from orgs.forms import OrganizationDescribeForm, RosterUploadForm
from orgs.models import Member, Role
from orgs.roster.exporting import export_members, export_organizations, export_template, sheet_title
from orgs.roster.format import ImportKind, read_roster_file
from orgs.roster.importing import user_can_import
from orgs.roster.services import roster_import
from orgs.selectors import (
    RosterFilter,
    access_reminder,
    ancestors,
    children_with_member_counts,
    leadership_team,
    organization_members,
    roster_filtered,
)
from orgs.services import (
    account_may_grant,
    account_reset_password,
    accounts_open,
    organization_describe,
    organization_may_describe,
    reminder_dismiss,
)
from orgs.sheets.reading import ImportFileError
from orgs.sheets.uploads import PendingUploads
from orgs.sheets.writing import xlsx_response

MEMBERS_PER_PAGE = 50


@login_required
def organization_detail(request, code: str):
    organization = access_organization(request.user, code)
    shown = request.GET.get("status", "")
    if shown not in RosterFilter.values:
        shown = RosterFilter.ALL
    members = roster_filtered(organization_members(organization), shown).select_related("user")
    page = Paginator(members, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    children = children_with_member_counts(organization)
    return render(
        request,
        "orgs/organization_detail.html",
        {
            "organization": organization,
            "ancestors": ancestors(organization),
            "team": leadership_team(organization),
            "party_children": [node for node in children if not node.organization.is_mass_organization],
            "mass_children": [node for node in children if node.organization.is_mass_organization],
            "members_page": page,
            "roster_filters": RosterFilter.choices,
            "roster_shown": shown,
            "can_change": user_scope(request.user).can_change(organization),
            "can_open_accounts": user_may_open_accounts(request.user, organization),
            "can_describe": organization_may_describe(request.user, organization),
        },
    )


@login_required
def organization_describe_view(request, code: str):
    """Sets the organization's grade and unit type (rankings group units by them)."""
    organization = access_organization(request.user, code, for_change=True)
    if not organization_may_describe(request.user, organization):
        raise PermissionDenied(_("只有活动办公室和上级党组织负责人可以修改单位等级和单位类型。"))
    form = OrganizationDescribeForm(request.POST or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        organization_describe(
            organization=organization,
            grade=form.cleaned_data["grade"],
            unit_type=form.cleaned_data["unit_type"],
            by=request.user,
        )
        messages.success(request, _("已保存单位等级和单位类型。"))
        return redirect(organization)
    return render(request, "orgs/organization_describe.html", {"organization": organization, "form": form})


# ---------------------------------------------------------------------------
# Accounts
# ---------------------------------------------------------------------------


def user_may_open_accounts(user, organization) -> bool:
    """Whether to offer the account buttons; the services check each member again."""
    return (user.is_superuser or user.role in (Role.OFFICE, Role.LEADER, Role.SECRETARY)) and user_scope(
        user
    ).can_change(organization)


@login_required
@require_POST
def organization_accounts_open(request, code: str):
    organization = access_organization(request.user, code, for_change=True)
    if not user_may_open_accounts(request.user, organization):
        raise PermissionDenied(_("您无权为本组织党员开通账号。"))
    waiting = [
        member
        for member in organization_members(organization).filter(user__isnull=True)
        if account_may_grant(by=request.user, member=member)
    ]
    opened = accounts_open(members=waiting, by=request.user)
    return render(request, "orgs/accounts_opened.html", {"organization": organization, "opened": opened})


@login_required
@require_POST
def member_account_reset(request, pk: int):
    member = get_object_or_404(Member.objects.select_related("organization", "user"), pk=pk)
    user = getattr(member, "user", None)
    if user is None:
        raise Http404(_("该党员还没有账号。"))
    opened = account_reset_password(user=user, by=request.user)
    return render(
        request, "orgs/accounts_opened.html", {"organization": member.organization, "opened": [opened], "reset": True}
    )


@login_required
def member_detail(request, pk: int):
    # The scoped manager answers 404 alike for a member that does not exist and one outside the user's scope.
    member = get_object_or_404(Member.objects.select_related("organization"), pk=pk)
    return render(
        request,
        "orgs/member_detail.html",
        {"member": member, "ancestors": ancestors(member.organization, include_self=True)},
    )


# ---------------------------------------------------------------------------
# Reminders (listed on the home page, campaign.home.views.home)
# ---------------------------------------------------------------------------


@login_required
@require_POST
def reminder_dismiss_view(request, pk: int):
    reminder = access_reminder(request.user, pk)
    reminder_dismiss(reminder=reminder, by=request.user)
    messages.success(request, _("已忽略这条提醒。"))
    return redirect("home")


# ---------------------------------------------------------------------------
# Roster import and export
# ---------------------------------------------------------------------------

ROSTER_UPLOADS = PendingUploads(folder="imports", session_key="roster_imports")


def _require_importer(user) -> None:
    if not user_can_import(user):
        raise PermissionDenied(_("只有活动办公室和上级党组织负责人可以导入组织和人员。"))


def _check_pending(request, token: str, *, dry_run: bool, confirm_renames: bool = False):
    """Read the stored file again and run the import on it: never trust an earlier check."""
    entry, path = ROSTER_UPLOADS.get(request, token)
    with open(path, "rb") as file:
        rows = read_roster_file(file, kind=entry["kind"], extension=entry["extension"])
    result = roster_import(
        kind=entry["kind"], rows=rows, by=request.user, dry_run=dry_run, confirm_renames=confirm_renames
    )
    return entry, result


@login_required
def roster_import_start(request):
    _require_importer(request.user)
    form = RosterUploadForm(request.POST or None, request.FILES or None, initial={"kind": ImportKind.ORGANIZATIONS})
    if request.method == "POST" and form.is_valid():
        token = ROSTER_UPLOADS.store(
            request, form.cleaned_data["file"], kind=form.cleaned_data["kind"], extension=form.cleaned_data["extension"]
        )
        return redirect("orgs:roster_import_preview", token=token)
    return render(request, "orgs/roster_import.html", {"form": form, "max_mb": settings.IMPORT_MAX_BYTES // 2**20})


@login_required
@require_GET
def roster_import_preview(request, token: str):
    _require_importer(request.user)
    try:
        entry, result = _check_pending(request, token, dry_run=True)
    except ImportFileError as error:
        ROSTER_UPLOADS.forget(request, token)
        messages.error(request, str(error))
        return redirect("orgs:roster_import")
    return render(
        request,
        "orgs/roster_import_preview.html",
        {"token": token, "file_name": entry["name"], "kind_label": ImportKind(entry["kind"]).label, "result": result},
    )


@login_required
@require_POST
def roster_import_confirm(request, token: str):
    _require_importer(request.user)
    try:
        entry, result = _check_pending(
            request, token, dry_run=False, confirm_renames=request.POST.get("confirm_renames") == "1"
        )
    except ImportFileError as error:
        ROSTER_UPLOADS.forget(request, token)
        messages.error(request, str(error))
        return redirect("orgs:roster_import")
    except IntegrityError:
        # Someone else changed the same rows between our check and our write.
        messages.error(request, _("导入时数据被他人同时修改，本次没有写入任何数据，请重新预览后再确认。"))
        return redirect("orgs:roster_import_preview", token=token)
    except ValidationError as error:
        # A move that the tree refused while writing (the tree changed since the
        # preview, or a moved subtree would become too deep); everything rolled back.
        messages.error(request, _("导入没有完成，没有写入任何数据：%(reason)s") % {"reason": " ".join(error.messages)})
        return redirect("orgs:roster_import_preview", token=token)
    if not result.written and result.ok and result.renames:
        messages.error(
            request,
            _("没有写入任何数据：文件会给 %(count)s 个组织改名，请核对预览中的改名，勾选确认后再导入。")
            % {"count": len(result.renames)},
        )
        return redirect("orgs:roster_import_preview", token=token)
    if not result.written:
        messages.error(request, _("文件中还有错误，没有写入任何数据。请按预览中列出的原因改正后重新上传。"))
        return redirect("orgs:roster_import_preview", token=token)
    ROSTER_UPLOADS.forget(request, token)
    if entry["kind"] == ImportKind.ORGANIZATIONS:
        text = _("组织导入完成：新增 %(created)s 个，更新 %(updated)s 个，%(unchanged)s 个没有变化。")
    else:
        text = _("人员导入完成：新增 %(created)s 名，更新 %(updated)s 名，%(unchanged)s 名没有变化。")
    messages.success(
        request, text % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
    )
    return redirect("orgs:roster_import")


@login_required
@require_POST
def roster_import_cancel(request, token: str):
    _require_importer(request.user)
    ROSTER_UPLOADS.forget(request, token)
    messages.info(request, _("已取消本次导入，上传的文件已删除。"))
    return redirect("orgs:roster_import")


@login_required
@require_GET
def export_organizations_view(request):
    filename = f"{sheet_title(ImportKind.ORGANIZATIONS)}-{timezone.localdate():%Y%m%d}.xlsx"
    return xlsx_response(export_organizations(by=request.user), filename)


@login_required
@require_GET
def export_members_view(request):
    filename = f"{sheet_title(ImportKind.MEMBERS)}-{timezone.localdate():%Y%m%d}.xlsx"
    return xlsx_response(export_members(by=request.user), filename)


@login_required
@require_GET
def export_template_view(request, kind: str):
    if kind not in ImportKind.values:
        raise Http404
    return xlsx_response(export_template(kind=kind), _("%(title)s导入模板.xlsx") % {"title": sheet_title(kind)})
