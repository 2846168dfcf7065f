"""The office's audit log page (修改记录): campaign.audit.selectors, read only."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from campaign.audit.forms import AuditFilter
from campaign.audit.selectors import audit_entries
from orgs.models import Role
from orgs.scoping import active_scope

PAGE_SIZE = 50


@login_required
@require_safe
def audit_log(request):
    """Who changed what and when, newest first, in the office's part of the tree. Only
    the office (and the superuser) may read it; nobody can change it from the app."""
    if not (request.user.is_superuser or request.user.role == Role.OFFICE):
        raise PermissionDenied(_("修改记录只有活动办公室可以查看。"))
    form = AuditFilter(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = filters.get("page") or 1
    entries = audit_entries(
        active_scope(),
        kind=filters.get("kind", ""),
        since=filters.get("since"),
        until=filters.get("until"),
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE + 1,  # one more tells whether there is a next page
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "campaign/audit.html",
        {
            "form": form,
            "entries": entries[:PAGE_SIZE],
            "page": page,
            "has_next": len(entries) > PAGE_SIZE,
            "query": query.urlencode(),
        },
    )
