"""Django admin for the tree and the roster.

Non-superusers see only their scope: the admin lists through the models' default
(scoped) managers, and changes are refused outside the organizations the user may change.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from orgs.access import user_scope
from orgs.models import Member, Organization, User
from orgs.services import organization_check_parent, organization_create, organization_move


class ScopedAdminMixin:
    """Read in scope through the scoped manager; write only where the scope allows."""

    def organization_of(self, obj):
        return obj.organization

    def get_object(self, request, object_id, from_field=None):
        # The admin would redirect with "does not exist"; answer like every other page
        # does for objects outside the scope: 404, the same as for missing ones.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("找不到该记录，或您无权查看。"))
        return obj

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if obj is None or not allowed:
            return allowed
        return user_scope(request.user).can_change(self.organization_of(obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if obj is None or not allowed:
            return allowed
        return user_scope(request.user).can_change(self.organization_of(obj))

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) and user_scope(request.user).writable


class OrganizationAdminForm(forms.ModelForm):
    """The tree's own checks (a cycle, a mass organization's children, the depth limit) as
    form errors: raised by the services inside save_model they would be a 500. No Meta:
    the admin builds the fields per request, in the user's scope (built at import, the
    parent's choices would query organizations outside any scope)."""

    def clean(self):
        cleaned = super().clean()
        if "parent" in cleaned and cleaned.get("kind"):
            try:
                organization_check_parent(
                    kind=cleaned["kind"],
                    parent=cleaned["parent"],
                    organization=self.instance if self.instance.pk else None,
                )
            except ValidationError as error:
                self.add_error("parent", error)
        return cleaned


@admin.register(Organization)
class OrganizationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = OrganizationAdminForm
    list_display = ["name", "code", "kind", "sector", "grade", "unit_type", "parent"]
    list_filter = ["kind", "sector", "grade"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]

    def organization_of(self, obj):
        return obj

    def save_model(self, request, obj, form, change):
        # The path is derived from the tree, so creation and moves go through the services.
        if not change:
            created = organization_create(
                code=obj.code,
                name=obj.name,
                kind=obj.kind,
                sector=obj.sector,
                parent=obj.parent,
                grade=obj.grade,
                unit_type=obj.unit_type,
            )
            obj.pk, obj.path = created.pk, created.path
            return
        if "parent" in form.changed_data:
            organization_move(organization=obj, new_parent=obj.parent)
        obj.save(update_fields=["code", "name", "kind", "sector", "grade", "unit_type"])


@admin.register(Member)
class MemberAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "organization", "gender", "ethnicity", "status", "post", "job_title"]
    list_filter = ["post", "status", "gender"]
    search_fields = ["name", "organization__name", "job_title", "phone"]
    autocomplete_fields = ["organization"]
    list_select_related = ["organization"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "display_name", "role", "organization", "is_active"]
    list_filter = ["role", "is_active"]
    autocomplete_fields = ["organization", "member", "inspected_organizations"]
    fieldsets = DjangoUserAdmin.fieldsets + (
        (_("角色与范围"), {"fields": ["role", "organization", "member", "inspected_organizations"]}),
    )

    def get_queryset(self, request):
        # Accounts are not a scoped model (logging in needs them before any scope
        # exists), so the admin scopes them by their anchor organization here.
        queryset = super().get_queryset(request)
        return user_scope(request.user).restrict(queryset, "organization__path", "member")

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser hands out superuser rights or raw permissions.
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ["is_superuser", "user_permissions", "groups", "last_login", "date_joined"]
