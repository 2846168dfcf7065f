from django import template

from orgs.roster.importing import user_can_import

register = template.Library()


@register.filter
def can_import_roster(user) -> bool:
    """For the menu: the same rule the import views enforce."""
    return user_can_import(user)
