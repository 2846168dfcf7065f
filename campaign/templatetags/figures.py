from django import template

register = template.Library()


@register.filter
def share(value) -> str:
    """A percentage for tables: "87.5%", or a dash when there is nothing to share (0% is a figure)."""
    return "—" if value is None else f"{value}%"
