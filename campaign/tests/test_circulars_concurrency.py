"""Numbering under concurrency: issues at the same instant, each in its own transaction
and connection, never share a number and leave no gap (PostgreSQL, real threads)."""

import datetime
import threading

import pytest
from django.db import IntegrityError, connection, transaction

from campaign.circulars.models import Circular, CircularCounter, CircularState
from campaign.circulars.services import circular_issue
from campaign.infra import documents
from campaign.tests import circular_fixtures as fx
from orgs.scoping import unscoped


def fake_render(html):
    return documents.RenderedPdf(data=b"%PDF-1.7 concurrent\n", pages=1, seconds=0.0)


def issue_together(circulars, by, today):
    """Issue the drafts in threads released at the same moment; returns the errors."""
    barrier = threading.Barrier(len(circulars))
    errors = []

    def worker(circular):
        try:
            barrier.wait()
            with unscoped("test"):
                circular_issue(circular=circular, by=by, today=today)
        except Exception as error:  # noqa: BLE001 - collected and asserted on below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(circular,)) for circular in circulars]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "an issue hung"
    return errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("already", [0, 3], ids=["first issues of the year", "after three issued"])
def test_simultaneous_issues_take_distinct_numbers_with_no_gap(county, campaign, monkeypatch, already):
    monkeypatch.setattr(documents, "render_pdf", fake_render)
    today = datetime.date(2012, 7, 2)
    for _ in range(already):
        circular_issue(circular=fx.draft(campaign, by=county.office), by=county.office, today=today)
    drafts = [fx.draft(campaign, by=county.office) for _ in range(8)]

    errors = issue_together(drafts, county.office, today)

    assert errors == []
    serials = sorted(Circular.objects.filter(pk__in=[d.pk for d in drafts]).values_list("number_serial", flat=True))
    assert serials == list(range(already + 1, already + 9))
    assert CircularCounter.objects.get(issuer=county.county, year=2012).last_serial == already + 8
    # The renders ran after each commit: every circular is issued with its own file.
    assert set(Circular.objects.values_list("state", flat=True)) == {CircularState.ISSUED}


@pytest.mark.django_db
def test_the_database_refuses_a_number_given_twice(county, campaign):
    first = fx.issued(campaign, recipients=[county.township_a], serial=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        fx.issued(campaign, recipients=[county.township_a], serial=5)
    assert Circular.objects.get(number_serial=5) == first
