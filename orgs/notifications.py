"""How users hear of new reminders: the channels named in settings.NOTIFICATION_CHANNELS.

The reminder rows are the in-app channel: the home page lists a user's open ones, so
``InAppChannel`` has nothing left to do. Another channel (an SMS platform, 手机短信平台,
or e-mail) is a class with a ``send`` method, added to the setting by dotted path. The
job tells the channels only of reminders it has just created (or found due again after
they were resolved), never of those it saw on earlier runs, so nobody is texted daily
about the same thing.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from orgs.models import Reminder

logger = logging.getLogger(__name__)


class Channel(ABC):
    """One way of telling users of new reminders.

    ``send`` gets the new reminders of one run, each with its ``user`` (and the user's
    ``member``, for a phone number) already loaded, after the run has committed. It
    should not raise for one undeliverable reminder; an exception is logged and the
    other channels still run.
    """

    @abstractmethod
    def send(self, reminders: Sequence[Reminder]) -> None: ...


class InAppChannel(Channel):
    """The home page: the reminder rows are the notification, nothing more to send."""

    def send(self, reminders: Sequence[Reminder]) -> None:
        return None


@cache
def _channels(paths: tuple[str, ...]) -> tuple[Channel, ...]:
    channels = []
    for path in paths:
        try:
            channel_class = import_string(path)
        except ImportError as error:
            raise ImproperlyConfigured(f"NOTIFICATION_CHANNELS: cannot import {path!r}: {error}") from error
        if not (isinstance(channel_class, type) and issubclass(channel_class, Channel)):
            raise ImproperlyConfigured(
                f"NOTIFICATION_CHANNELS: {path!r} is not a subclass of orgs.notifications.Channel"
            )
        channels.append(channel_class())
    return tuple(channels)


def configured_channels() -> tuple[Channel, ...]:
    """The channels of settings.NOTIFICATION_CHANNELS, built once per process."""
    return _channels(tuple(settings.NOTIFICATION_CHANNELS))


def notify(reminders: Sequence[Reminder]) -> None:
    """Hand new reminders to every channel; one failing channel (a gateway down) neither
    stops the others nor undoes the reminders, which the home page shows anyway."""
    if not reminders:
        return
    for channel in configured_channels():
        try:
            channel.send(reminders)
        except Exception:
            logger.exception("notification channel %s failed for %d reminders", type(channel).__name__, len(reminders))


def check_channels(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A misspelt channel fails at start-up (manage.py check, runserver, migrate), not
    on the morning the first reminder goes out."""
    try:
        configured_channels()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="orgs.E001")]
    return []
