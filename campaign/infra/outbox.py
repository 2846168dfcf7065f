"""Tasks that must not be lost while the broker is away: a transactional outbox.

``outbox_enqueue(task_name, *args)`` stores an OutboxEntry in the caller's transaction. Once
that commits, the entry is handed to the broker and deleted. When Redis does not answer,
the entry stays and the page is served as usual; beat's ``send_outbox`` hands the
waiting entries over once Redis is back. So a round closed or a circular issued during
an outage is stored at once, and its tally or PDF follows when the broker returns.

Delivery is at least once (an entry handed over whose delete then fails is sent again),
so every task sent this way is idempotent: tallies, renders and recomputes claim their
work.

Services name their tasks (Celery's name, e.g. "reviews.tasks.tally_round") rather than
import them, so that a service and the tasks calling it never import each other.
``task_send`` hands a task over at once, without an entry, for work whose loss a later
run makes good.
"""

import datetime
import logging
import threading

# The project's Celery app (campaign.celery) as the current app: infrastructure sits below
# the project package and imports nothing of it.
from celery import Task
from celery import current_app as app
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError

from campaign.infra.models import OutboxEntry

logger = logging.getLogger(__name__)

# What publishing raises when Redis does not answer (kombu wraps the client's errors).
BROKER_DOWN = (OperationalError, OSError)
# Entries beat hands over in one run; more wait for the next.
SEND_BATCH = 500
# One thread at a time looks for task modules: Celery's discovery returns at once, having
# found nothing, when called while another call is still importing.
_discovering = threading.RLock()


def registered_task(name: str) -> Task:
    """The task Celery knows by ``name``; NotRegistered (a KeyError) when no app has it.

    A worker imports every app's tasks module when it starts; a web process only those
    something imported, and services name their tasks rather than import them. So the
    first miss imports them all here, as the worker does."""
    if name not in app.tasks:
        with _discovering:
            if name not in app.tasks:
                app.autodiscover_tasks(force=True)
    return app.tasks[name]


def outbox_enqueue(task_name: str, *args) -> OutboxEntry:
    """Ask for the task named ``task_name`` with ``args`` once the current transaction
    commits, durably."""
    registered_task(task_name)  # a misspelt name fails here, not after the commit
    entry = OutboxEntry.objects.create(task=task_name, args=list(args))
    if app.conf.task_always_eager:
        # No broker: the task runs in this process after the commit, as delay_on_commit
        # would, and its errors reach the caller.
        transaction.on_commit(lambda: _run_here(entry))
    else:
        # The change is committed whatever the broker does; a failure leaves the entry.
        transaction.on_commit(lambda: _hand_over(entry), robust=True)
    return entry


def _run_here(entry: OutboxEntry) -> None:
    OutboxEntry.objects.filter(pk=entry.pk).delete()
    registered_task(entry.task).apply_async(args=entry.args)


def _hand_over(entry: OutboxEntry) -> bool:
    """Publish one entry; True when the broker took it (and the entry is gone)."""
    try:
        # Nobody waits for these results; asking for them would also have the result
        # backend retry Redis for 20 s and then raise, before the broker is even tried.
        registered_task(entry.task).apply_async(args=entry.args, ignore_result=True)
    except BROKER_DOWN as error:
        OutboxEntry.objects.filter(pk=entry.pk).update(attempts=F("attempts") + 1, last_error=str(error)[:1000])
        logger.warning("task %s%s kept in the outbox: the broker does not answer", entry.task, entry.args)
        return False
    OutboxEntry.objects.filter(pk=entry.pk).delete()
    return True


def task_send(task_name: str, *args) -> None:
    """Hand the task named ``task_name`` its ``args`` now, with no outbox entry: for work
    that a later run makes good if the broker loses it. Nobody waits for its result. With
    no broker it runs here, at once, and its errors reach the caller."""
    registered_task(task_name).apply_async(args=list(args), ignore_result=True)


def outbox_send_waiting(*, now: datetime.datetime | None = None) -> int:
    """Hand over entries older than OUTBOX_GRACE_SECONDS, oldest first; stops at the first
    refusal, since the broker is down for the rest too. Younger entries are left to the
    send their own commit started. Returns how many were sent."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.OUTBOX_GRACE_SECONDS)
    waiting = OutboxEntry.objects.filter(created_at__lte=cutoff).order_by("pk").values_list("pk", flat=True)
    sent = 0
    for pk in list(waiting[:SEND_BATCH]):
        with transaction.atomic():
            # Two senders at once (two beats, or beat and a slow commit) each take their own.
            entry = OutboxEntry.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if entry is None:
                continue
            if not _hand_over(entry):
                break
        sent += 1
    return sent
