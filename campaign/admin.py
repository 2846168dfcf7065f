"""Django's admin imports this module; the admin classes live in their rooms."""

from campaign.campaigns import admin as campaigns  # noqa: F401
