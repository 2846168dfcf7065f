"""Figures for casting evaluation forms through the web server: `make bench` runs this
against a gunicorn it started on 127.0.0.1.

Creates an open round with N codes in the database the server uses, then a bounded
pool of client threads casts one form per code as a phone would: load /p/<code>/
(which sets the CSRF cookie), post every subject's choice, expect the redirect to the
confirmation page; then the held forms go out as ballots in their shuffled batches
(reviews.held_forms), and that time counts too. For comparison it stores the same rows
for another N codes with bare SQL at the same concurrency, in the same transactions as
the app: per form, claim the code and insert a sealed form of the same size; per batch
of k, insert the ballots and their choices and delete the held rows. The rounds are
deleted afterwards.
"""

from __future__ import annotations

import datetime
import http.client
import os
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode, urlsplit

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from campaign.campaigns.models import Campaign
from campaign.campaigns.services import campaign_create
from campaign.devdata.benchmarks import Report, Target
from orgs.models import Member, Organization
from orgs.scoping import unscoped
from orgs.services import organization_create
from reviews.ballots import form_size, held_ballots_release
from reviews.codes import codes_generate
from reviews.held_forms import form_seal
from reviews.models import (
    Ballot,
    EvaluationCode,
    EvaluationRound,
    EvaluationSubject,
    EvaluatorCategory,
    RoundState,
)
from reviews.rounds import round_evaluation_copy

ORGANIZATION_CODE = "BENCHBALLOT"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CSRF_COOKIE = re.compile(r"csrftoken=([^;]+)")
SERVER_WAIT_SECONDS = 30
TARGET_SHARE = 0.4  # of the bare insert rate


class Command(BaseCommand):
    help = "Evaluation forms cast per second through HTTP against a running server, and the bare SQL equivalent."

    def add_arguments(self, parser):
        parser.add_argument("url", help="the running server, e.g. http://127.0.0.1:8765")
        parser.add_argument("--forms", type=int, default=1000)
        parser.add_argument("--concurrency", type=int, default=8)
        parser.add_argument("--members", type=int, default=9, help="members evaluated besides the organization")

    def handle(self, *args, url, forms, concurrency, members, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_ballots needs PostgreSQL (set DATABASE_URL).")
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise CommandError("Give the server as http://host:port.")
        self.host, self.port = parts.hostname, parts.port or 80
        warmup = 2 * concurrency
        with unscoped("bench"):
            organization = self.organization(members)
            web_round = self.open_round(organization, forms + warmup)
            bare_round = self.open_round(organization, forms)
            try:
                self.wait_for_server()
                web_codes = list(EvaluationCode.objects.filter(round=web_round).values_list("code", flat=True))
                subjects = list(EvaluationSubject.objects.filter(round=web_round).values_list("pk", flat=True))
                # Warm-up: templates compiled, connections open, as on a server that has run a while.
                self.submit_all(self.open_all(web_codes[:warmup], concurrency), subjects, concurrency)
                held_ballots_release(web_round, final=True)
                opened, open_seconds = self.timed(lambda: self.open_all(web_codes[warmup:], concurrency))
                _none, submit_seconds = self.timed(lambda: self.submit_all(opened, subjects, concurrency))
                # The forms wait sealed; their shuffled batches are part of the cost (issue 15).
                _none, release_seconds = self.timed(lambda: held_ballots_release(web_round, final=True))
                submit_seconds += release_seconds
                stored = Ballot.objects.filter(round=web_round).count()
                if stored != forms + warmup:
                    raise CommandError(f"{stored} forms stored for {forms + warmup} submitted")
                bare_seconds = self.cast_bare(bare_round, concurrency)
            finally:
                for evaluation_round in (web_round, bare_round):
                    evaluation_round.delete()
        bare_rate = forms / bare_seconds
        report = Report(self.stdout, "evaluation forms")
        detail = f"{forms:,} forms of {len(subjects)} subjects, {concurrency} at a time"
        report.figure(
            "form submissions through HTTP (POST: check, store sealed, redirect; then the batches)",
            forms / submit_seconds,
            "/s",
            reference=bare_rate,
            reference_name="bare psycopg2 writes of the same rows: a transaction per form, one per batch",
            target=Target("ratio", at_least=TARGET_SHARE),
            detail=detail,
        )
        report.figure(
            "forms opened and submitted through HTTP (GET + POST)",
            forms / (open_seconds + submit_seconds),
            "/s",
            reference=bare_rate,
            reference_name="bare psycopg2 writes of the same rows: a transaction per form, one per batch",
            detail=f"{detail}; opening alone {forms / open_seconds:,.0f}/s",
        )
        report.save()

    # -- data ---------------------------------------------------------------

    def organization(self, members: int) -> Organization:
        organization = Organization.objects.filter(code=ORGANIZATION_CODE).first()
        if organization is None:
            organization = organization_create(
                code=ORGANIZATION_CODE, name="基准评议党支部", kind="branch", sector="rural", parent=None
            )
        for number in range(Member.objects.filter(organization=organization).count(), members):
            Member.objects.create(
                organization=organization,
                name=f"基准党员{number + 1}",
                gender="male",
                birth_date=datetime.date(1970, 1, 1) + datetime.timedelta(days=number),
                joined_date=datetime.date(1995, 7, 1),
            )
        return organization

    @transaction.atomic
    def open_round(self, organization: Organization, codes: int) -> EvaluationRound:
        campaign = Campaign.objects.filter(organization=organization).first() or campaign_create(
            organization=organization,
            name="基准活动",
            theme="",
            starts_on=datetime.date(2010, 4, 26),
            ends_on=datetime.date(2012, 6, 30),
            by=None,
        )
        now = timezone.now()
        evaluation_round = EvaluationRound.objects.create(
            campaign=campaign,
            organization=organization,
            period="基准",
            briefing_summary="通报了全年承诺践诺情况。",
            opens_at=now - datetime.timedelta(minutes=1),
            closes_at=now + datetime.timedelta(hours=2),
            state=RoundState.OPEN,
        )
        EvaluationSubject.objects.create(round=evaluation_round, member=None, order=0)
        for order, member in enumerate(Member.objects.filter(organization=organization).order_by("pk"), start=1):
            EvaluationSubject.objects.create(round=evaluation_round, member=member, order=order)
        # Spread over the four categories as a real round is.
        categories = list(EvaluatorCategory.values)
        counts = [codes // len(categories) + (index < codes % len(categories)) for index in range(len(categories))]
        round_evaluation_copy(evaluation_round, dict(zip(categories, counts, strict=True)))
        codes_generate(evaluation_round=evaluation_round, categories=list(evaluation_round.categories.all()))
        return evaluation_round

    # -- HTTP ---------------------------------------------------------------

    def wait_for_server(self) -> None:
        deadline = time.monotonic() + SERVER_WAIT_SECONDS
        while True:
            try:
                status, _headers, _body = self.request("GET", "/p/")
                if status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise CommandError(f"no answer from http://{self.host}:{self.port}/p/ in {SERVER_WAIT_SECONDS} s")
            time.sleep(0.2)

    def request(self, method, path, body=None, headers=None):
        client = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            client.request(method, path, body=body, headers=headers or {})
            response = client.getresponse()
            return response.status, response.headers, response.read()
        finally:
            client.close()

    def open_one(self, code: str) -> tuple[str, str, str]:
        """Open the form as a phone does: its CSRF cookie and token."""
        path = f"/p/{code}/"
        status, headers, body = self.request("GET", path)
        if status != 200:
            raise CommandError(f"opening a form answered {status}")
        cookie = CSRF_COOKIE.search(" ".join(headers.get_all("Set-Cookie") or []))
        token = CSRF_FIELD.search(body.decode())
        if not cookie or not token:
            raise CommandError("the form page set no CSRF cookie or token")
        return path, cookie.group(1), token.group(1)

    def submit_one(self, opened: tuple[str, str, str], subjects: list[int]) -> None:
        path, cookie, token = opened
        data = {"csrfmiddlewaretoken": token} | {f"choice_{pk}": "satisfied" for pk in subjects}
        status, headers, _body = self.request(
            "POST",
            path,
            body=urlencode(data),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookie}"},
        )
        if status != 302 or not headers.get("Location", "").endswith("/p/done/"):
            raise CommandError(f"casting a form answered {status}")

    def open_all(self, codes: list[str], concurrency: int) -> list[tuple[str, str, str]]:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            return list(pool.map(self.open_one, codes))

    def submit_all(self, opened: list[tuple[str, str, str]], subjects: list[int], concurrency: int) -> None:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            for future in [pool.submit(self.submit_one, form, subjects) for form in opened]:
                future.result()

    def timed(self, function):
        start = time.perf_counter()
        value = function()
        return value, time.perf_counter() - start

    # -- bare SQL -----------------------------------------------------------

    def cast_bare(self, evaluation_round: EvaluationRound, concurrency: int) -> float:
        codes = list(EvaluationCode.objects.filter(round=evaluation_round).values_list("pk", "category"))
        subjects = list(EvaluationSubject.objects.filter(round=evaluation_round).values_list("pk", flat=True))
        round_id = evaluation_round.pk

        sealed_size = len(form_seal(b"", size=form_size(len(subjects)), box=b"bench"))
        batch_size = evaluation_round.campaign.ballot_batch_size

        def store(code_id: int, category: str) -> None:
            # One transaction per form, the rows the app writes, no Django around them:
            # the code used, the form held sealed.
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("UPDATE reviews_evaluationcode SET used = TRUE WHERE id = %s AND NOT used", [code_id])
                cursor.execute(
                    "INSERT INTO reviews_heldform (id, kind, box_id, category, sealed) VALUES (%s, %s, %s, %s, %s)",
                    [uuid.uuid4(), "evaluation", round_id, category, os.urandom(sealed_size)],
                )

        def release(category: str, held: list[uuid.UUID]) -> None:
            # One transaction per batch: the ballots and their choices, the held rows gone.
            with transaction.atomic(), connection.cursor() as cursor:
                ballots = [uuid.uuid4() for _ in held]
                cursor.execute(
                    "INSERT INTO reviews_ballot (id, round_id, category) VALUES "
                    + ", ".join(["(%s, %s, %s)"] * len(ballots)),
                    [value for ballot_id in ballots for value in (ballot_id, round_id, category)],
                )
                rows = [(uuid.uuid4(), ballot_id, subject) for ballot_id in ballots for subject in subjects]
                for start in range(0, len(rows), 100):
                    chunk = rows[start : start + 100]
                    cursor.execute(
                        "INSERT INTO reviews_ballotchoice (id, ballot_id, round_id, category, subject_id, choice, "
                        "comment) VALUES " + ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(chunk)),
                        [
                            value
                            for choice_id, ballot_id, subject in chunk
                            for value in (choice_id, ballot_id, round_id, category, subject, "satisfied", "")
                        ],
                    )
                cursor.execute("DELETE FROM reviews_heldform WHERE id = ANY(%s::uuid[])", [[str(pk) for pk in held]])

        def release_all() -> None:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT category, id FROM reviews_heldform WHERE kind = 'evaluation' AND box_id = %s", [round_id]
                )
                by_category: dict[str, list[uuid.UUID]] = {}
                for category, held_id in cursor.fetchall():
                    by_category.setdefault(category, []).append(held_id)
            for category, held in by_category.items():
                for start in range(0, len(held), batch_size):
                    release(category, held[start : start + batch_size])

        def worker(batch: list[tuple[int, str]]) -> None:
            try:
                for code_id, category in batch:
                    store(code_id, category)
            finally:
                connection.close()

        batches = [codes[index::concurrency] for index in range(concurrency)]
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            for future in [pool.submit(worker, batch) for batch in batches]:
                future.result()
        release_all()
        return time.perf_counter() - start
