"""Generated data sets at county and province scale (``manage.py generate_scale``), and
the bulk-loading pieces the bench commands share.

A data set is one campaign at the root of a generated tree, a year long (1 July 2010
to 30 June 2011, so every date is in the past and the services' "not after today"
rules hold), with everything the campaign's pages count: members with their posts,
accounts for the secretaries, pledges with items, versions and progress, rectification
and listed supervision, leader reviews with their sections and the overdue marks of
the subjects left out, evaluation rounds (one per township-level organization per
half-year) with codes, secret ballots, paper tally sheets and tallies, information
reports and model nominations.

How it is loaded, and why so:

- The shape (tree, members, rounds, how many forms each round gets) is planned in
  Python from the seed (campaign.devdata.scale_plan) and written with COPY. The big derived
  tables are made by set-based ``INSERT ... SELECT`` in PostgreSQL itself, with
  ``setseed`` so a seed gives the same data again (ballot and choice keys excepted:
  they come from ``gen_random_uuid`` as the app's own are random).
- Everything runs in one transaction: a failure leaves the database as it was.
- The loaded tables' indexes, keys and foreign keys are dropped first and created
  again from their own definitions before the transaction ends, as pg_restore does.
  Maintaining thirty million rows of indexes and checking ninety million foreign keys
  row by row took seven times as long; re-adding a constraint makes PostgreSQL check
  every row, so nothing unchecked gets in and the schema is unchanged afterwards.
- The tallies are the app's own: ``reviews.tally.round_tally`` on every round, once
  the indexes are back. Its dates (tallied today, rectification due in thirty days) are
  then moved back to the round's own time.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import random
import secrets
import time
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import connection, transaction
from django.utils import timezone

from campaign.campaigns.models import Campaign, StandardDimension, StandardSubject
from campaign.campaigns.services import campaign_create
from campaign.devdata import scale_texts as texts
from campaign.devdata.demo_campaign import DEMO_SECTOR_THEMES, DEMO_THEME
from campaign.devdata.scale_plan import (
    CODE_SCRAMBLE,
    CODE_TAIL_LENGTH,
    CODE_TAIL_RANGE,
    MEMBER_COLUMNS,
    ROOT_CODE,
    PlannedOrganization,
    PlannedRound,
    TreeBuilder,
    member_rows,
    number_members,
    paper_counts,
    plan_forms,
    plan_member_counts,
    subject_share,
)
from orgs.models import Member, Organization, OrganizationKind, Post, Role, Sector, new_public_token
from orgs.scoping import unscoped
from pledges.models import PublicationChannel
from reviews.codes import CODE_ALPHABET
from reviews.models import (
    BallotChoice,
    Choice,
    EvaluationRound,
    EvaluatorCategory,
    ReviewForm,
    RoundState,
    TallyResult,
)
from reviews.tally import remedials_create, round_tally

CAMPAIGN_NAME = "创先争优活动（规模测试数据）"
CAMPAIGN_STARTS = datetime.date(2010, 7, 1)
CAMPAIGN_ENDS = datetime.date(2011, 6, 30)
# The half-year review periods of the campaign (review_period_months = 6) and the rounds held in each.
PERIODS = (
    (datetime.date(2010, 7, 1), datetime.date(2010, 12, 31), "2010年下半年", datetime.date(2010, 12, 1)),
    (datetime.date(2011, 1, 1), datetime.date(2011, 6, 30), "2011年上半年", datetime.date(2011, 6, 1)),
)
QUARTERS = (
    datetime.date(2010, 7, 1),
    datetime.date(2010, 10, 1),
    datetime.date(2011, 1, 1),
    datetime.date(2011, 4, 1),
)
REVIEWED_SHARE = 0.7  # of the subjects due each period
PUBLISHED_ROUNDS = 0.7  # of the tallied rounds
PAPER_ROUNDS = 0.25  # rounds where some evaluators voted on paper
DILIGENT_REPORTERS = 0.8  # organizations that report their three items a month
COPY_CHUNK_ROWS = 200_000
TALLY_CHECKS = 3  # rounds tallied again by the app's round_tally to check the SQL tally

# Every table the generator fills in bulk: their indexes and keys are rebuilt once.
BULK_TABLES = (
    "orgs_organization",
    "orgs_member",
    "orgs_user",
    "pledges_pledge",
    "pledges_opinion",
    "pledges_pledgeitem",
    "pledges_pledgeversion",
    "pledges_progressentry",
    "pledges_rectification",
    "pledges_supervision",
    "pledges_followup",
    "reviews_review",
    "reviews_reviewsection",
    "reviews_overduereview",
    "reviews_evaluationround",
    "reviews_evaluationsubject",
    "reviews_roundcategory",
    "reviews_roundchoice",
    "reviews_evaluationcode",
    "reviews_ballot",
    "reviews_ballotchoice",
    "reviews_papertally",
    "reviews_papercount",
    "campaign_inforeport",
    "campaign_modelnomination",
    "campaign_nominationopinion",
)


@dataclass(frozen=True)
class ScaleSize:
    organizations: int
    members: int
    votes: int

    def __str__(self) -> str:
        return f"{self.organizations:,} organizations, {self.members:,} members, {self.votes:,} votes"


COUNTY = ScaleSize(1_000, 30_000, 300_000)
PROVINCE = ScaleSize(100_000, 3_000_000, 30_000_000)


# ---------------------------------------------------------------------------
# Bulk-loading pieces (also used by the bench commands)
# ---------------------------------------------------------------------------


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return str(value)


def copy_lines(cursor, table: str, columns: Sequence[str], lines: Iterable[str]) -> int:
    """COPY lines already in COPY's text format into ``table``, in chunks; returns how many."""
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    statement = f"COPY {table} ({quoted}) FROM STDIN"
    count = 0
    for chunk in _chunks(lines):
        cursor.copy_expert(statement, io.StringIO("\n".join(chunk) + "\n"))
        count += len(chunk)
    return count


def _chunks(lines: Iterable[str]) -> Iterator[list[str]]:
    chunk = []
    for line in lines:
        chunk.append(line)
        if len(chunk) == COPY_CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def copy_rows(cursor, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """COPY rows (tuples in the order of ``columns``) into ``table``; returns how many."""
    return copy_lines(cursor, table, columns, ("\t".join(map(_copy_text, row)) for row in rows))


def unusable_password() -> str:
    """What Django's make_password(None) stores, a hundred times faster: no account
    logs in with it (has_usable_password is false)."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def next_id(cursor, table: str) -> int:
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
    return cursor.fetchone()[0]


def sync_sequence(cursor, table: str) -> None:
    """After rows were inserted with explicit ids, let the table's sequence go on from them."""
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {table}"
    )


class DeferredConstraints:
    """Drop the indexes, primary and unique keys and foreign keys of tables about to be
    filled in bulk, and create them again from their own definitions afterwards. Use
    inside a transaction: a failure in between rolls the dropping back too. Foreign
    keys from other tables into these ones are dropped and re-added as well, so that a
    primary key can be rebuilt; re-adding checks every row."""

    def __init__(self, cursor, tables: Sequence[str]) -> None:
        self.cursor = cursor
        self.tables = list(tables)
        self.foreign_keys: list[tuple[str, str, str]] = []
        self.keys: list[tuple[str, str, str]] = []
        self.indexes: list[tuple[str, str]] = []

    def check_pending(self) -> None:
        """Run the foreign-key checks this transaction has deferred so far (a table with
        pending checks cannot be altered), then defer again as Django's keys are."""
        self.cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        self.cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def drop(self) -> None:
        cursor = self.cursor
        self.check_pending()
        cursor.execute(
            "SELECT conname, conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND (conrelid = ANY(%s::regclass[]) OR confrelid = ANY(%s::regclass[])) ORDER BY oid",
            [self.tables, self.tables],
        )
        self.foreign_keys = cursor.fetchall()
        cursor.execute(
            "SELECT conname, conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype IN ('p', 'u') AND conrelid = ANY(%s::regclass[]) ORDER BY oid",
            [self.tables],
        )
        self.keys = cursor.fetchall()
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT EXISTS ("
            "  SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid"
            "  AND c.contype IN ('p', 'u', 'x')) ORDER BY i.indexrelid",
            [self.tables],
        )
        self.indexes = cursor.fetchall()
        for name, table, _definition in self.foreign_keys + self.keys:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in self.indexes:
            cursor.execute(f"DROP INDEX {name}")

    def restore(self) -> None:
        cursor = self.cursor
        self.check_pending()
        # Statistics first: checking a foreign key is a join the planner must size right.
        for table in self.tables:
            cursor.execute(f"ANALYZE {table}")
        for name, table, definition in self.keys:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for _name, definition in self.indexes:
            cursor.execute(definition)
        for name, table, definition in self.foreign_keys:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def code_expression(number: str) -> str:
    """SQL (for a statement with parameters: % doubled) for a 10-character evaluation
    code: 4 random characters and 6 that encode
    ``number`` (an SQL bigint expression) one-to-one, so codes never collide."""
    alphabet = f"'{CODE_ALPHABET}'"
    size = len(CODE_ALPHABET)
    head = " || ".join([f"substr({alphabet}, 1 + floor(random() * {size})::int, 1)"] * 4)
    scrambled = f"(({number}) * {CODE_SCRAMBLE} %% {CODE_TAIL_RANGE})"
    tail = " || ".join(
        f"substr({alphabet}, 1 + ({scrambled} / {size**power} %% {size})::int, 1)" for power in range(CODE_TAIL_LENGTH)
    )
    return f"{head} || {tail}"


def pick(pool: str) -> str:
    """SQL for one phrase drawn at random from the text[] parameter named ``pool``."""
    return f"(%({pool})s::text[])[1 + floor(random() * array_length(%({pool})s::text[], 1))::int]"


def choice_expression(share: str, draw: str) -> str:
    """SQL for one vote, the same rule as campaign.devdata.scale_plan.choice_for."""
    return (
        f"CASE WHEN {draw} < {share} * 0.75 THEN '{Choice.SATISFIED}' "
        f"WHEN {draw} < {share} THEN '{Choice.BASICALLY_SATISFIED}' "
        f"WHEN {draw} < {share} + (1 - {share}) * 0.8 THEN '{Choice.DISSATISFIED}' "
        f"ELSE '{Choice.UNKNOWN}' END"
    )


def ballots_insert(
    cursor,
    *,
    forms: Iterable[tuple[int, str, int]],
    shares: Iterable[tuple[int, int, float]],
) -> tuple[int, int]:
    """Cast online forms in bulk: ``forms`` gives (round id, category, number of forms),
    ``shares`` (subject id, round id, share of satisfied evaluators) for every subject
    of those rounds. Each form gets one choice per subject of its round, drawn from the
    subject's share, as the phone form requires. Returns (forms, votes) stored."""
    cursor.execute("CREATE TEMP TABLE scale_form_count (round_id bigint, category text, forms int)")
    cursor.execute("CREATE TEMP TABLE scale_subject_share (subject_id bigint, round_id bigint, share float8)")
    copy_rows(cursor, "scale_form_count", ("round_id", "category", "forms"), forms)
    copy_rows(cursor, "scale_subject_share", ("subject_id", "round_id", "share"), shares)
    cursor.execute(
        "CREATE TEMP TABLE scale_ballot AS SELECT gen_random_uuid() AS id, f.round_id, f.category "
        "FROM scale_form_count f CROSS JOIN LATERAL generate_series(1, f.forms) g"
    )
    cursor.execute(
        "INSERT INTO reviews_ballot (id, round_id, category) SELECT id, round_id, category FROM scale_ballot"
    )
    ballots = cursor.rowcount
    comments = list(texts.BALLOT_COMMENTS)
    cursor.execute(
        "INSERT INTO reviews_ballotchoice (id, ballot_id, round_id, category, subject_id, choice, comment) "
        f"SELECT gen_random_uuid(), ballot_id, round_id, category, subject_id, {choice_expression('share', 'draw')}, "
        f"CASE WHEN remark < 0.003 THEN (%s::text[])[1 + floor(remark * {len(comments)} / 0.003)::int] ELSE '' END "
        "FROM (SELECT b.id AS ballot_id, b.round_id, b.category, s.subject_id, s.share, "
        "      random() AS draw, random() AS remark "
        "      FROM scale_ballot b JOIN scale_subject_share s ON s.round_id = b.round_id) drawn",
        [comments],
    )
    votes = cursor.rowcount
    cursor.execute("DROP TABLE scale_form_count, scale_subject_share, scale_ballot")
    return ballots, votes


# ---------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------


class ScaleGenerator:
    """Builds one data set of the given size; see the module docstring. ``report``
    receives a line per table with its rows and time."""

    def __init__(self, size: ScaleSize, *, seed: int, report: Callable[[str], None]) -> None:
        self.size = size
        self.seed = seed
        self.report = report
        self.rng = random.Random(seed)
        self.zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        self.timings: list[tuple[str, int, float]] = []

    # -- driving ---------------------------------------------------------------

    @contextlib.contextmanager
    def step(self, label: str) -> Iterator[list[int]]:
        """Time one step; the body appends the rows it wrote to the yielded list."""
        rows: list[int] = []
        start = time.perf_counter()
        yield rows
        seconds = time.perf_counter() - start
        self.timings.append((label, sum(rows), seconds))
        counted = f"{sum(rows):>12,} rows" if rows else " " * 17
        self.report(f"  {label:<34}{counted}  {seconds:7.1f} s")

    def run(self) -> Campaign:
        with unscoped("generate_scale"), transaction.atomic(), connection.cursor() as cursor:
            self.cursor = cursor
            self.settings()
            window = DeferredConstraints(cursor, BULK_TABLES)
            with self.step("drop indexes and keys"):
                window.drop()
            self.plan()
            self.load_organizations()
            self.load_members()
            self.load_accounts()
            self.load_campaign()
            self.load_pledges()
            self.load_rectifications()
            self.load_reviews()
            self.load_rounds()
            self.load_reports()
            self.load_nominations()
            with self.step("indexes, keys, foreign keys"):
                # Nothing random from here on: parallel workers may help check and index.
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 2")
                window.restore()
            for table in BULK_TABLES:
                if table not in ("reviews_ballot", "reviews_ballotchoice"):
                    sync_sequence(cursor, table)
            self.tally()
            cursor.execute(
                "DROP TABLE scale_org, scale_pledge, scale_subject, scale_due, scale_review, scale_round_category"
            )
        return self.campaign

    def settings(self) -> None:
        cursor = self.cursor
        # Memory for the sorts and index builds of a bulk load, for this transaction only.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        # Parallel plans would draw random() in a different order on every run.
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        # generate_series() rows are overestimated a thousandfold, which makes the
        # planner compile every statement to machine code: seconds lost per statement.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SELECT pg_my_temp_schema() = 0")
        if cursor.fetchone()[0]:
            # Only settable before the session's first temporary table.
            cursor.execute("SET LOCAL temp_buffers = '1GB'")
        cursor.execute("SELECT setseed(%s)", [(self.seed % 2**31) / 2**31])

    def at(self, day: datetime.date, hour: int = 9, minute: int = 0) -> datetime.datetime:
        return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.zone)

    def params(self, **extra) -> dict:
        return {
            "campaign": self.campaign.pk,
            "office": self.office_id,
            "start": CAMPAIGN_STARTS,
            "end": CAMPAIGN_ENDS,
            "tz": settings.TIME_ZONE,
            **extra,
        }

    def execute(self, rows: list[int] | None, sql: str, params: dict | None = None) -> int:
        self.cursor.execute(sql, params or {})
        if rows is not None and self.cursor.rowcount > 0:
            rows.append(self.cursor.rowcount)
        return self.cursor.rowcount

    # -- shape -----------------------------------------------------------------

    def plan(self) -> None:
        cursor = self.cursor
        with self.step("plan (Python)"):
            builder = TreeBuilder(self.rng, next_id(cursor, "orgs_organization"))
            self.organizations = builder.build(self.size.organizations)
            self.root = self.organizations[0]
            self.township_level = builder.township_level
            plan_member_counts(self.organizations, self.size.members, self.rng)
            number_members(self.organizations, next_id(cursor, "orgs_member"))
            user_id = next_id(cursor, "orgs_user")
            self.office_id = user_id
            for organization in self.organizations:
                if organization.member_count:
                    user_id += 1
                    organization.user_id = user_id
            self.townships = [
                organization
                for organization in self.organizations
                if organization.level == self.township_level and organization.is_party
            ]
            round_id = next_id(cursor, "reviews_evaluationround")
            subject_id = next_id(cursor, "reviews_evaluationsubject")
            self.rounds: list[PlannedRound] = []
            for period in range(len(PERIODS)):
                for township in self.townships:
                    members = list(range(township.first_member_id, township.first_member_id + township.member_count))
                    self.rounds.append(PlannedRound(round_id, township, period, members))
                    round_id += 1
            plan_forms(self.rounds, self.size.votes, self.rng)
            for evaluation_round in self.rounds:
                evaluation_round.first_subject_id = subject_id
                subject_id += evaluation_round.subject_count

    def load_organizations(self) -> None:
        with self.step("orgs_organization") as rows:
            rows.append(
                copy_rows(
                    self.cursor,
                    "orgs_organization",
                    (
                        "id",
                        "code",
                        "name",
                        "kind",
                        "sector",
                        "parent_id",
                        "path",
                        "notice_board_token",
                        "grade",
                        "unit_type",
                    ),
                    # No grade nor unit type: a party tree's organizations.
                    (
                        (o.id, o.code, o.name, o.kind, o.sector, o.parent.id if o.parent else None, o.path)
                        + (new_public_token(), "", "")
                        for o in self.organizations
                    ),
                )
            )

    def load_members(self) -> None:
        secretaries: dict[int, str] = {}

        def lines():
            # Every value is ours and free of tabs and backslashes: formatted directly.
            for row in member_rows(self.organizations, self.rng):
                if row[8] == Post.SECRETARY:
                    secretaries[row[1]] = row[2]
                yield "\t".join(map(str, row))

        with self.step("orgs_member") as rows:
            rows.append(copy_lines(self.cursor, "orgs_member", MEMBER_COLUMNS, lines()))
        self.secretary_names = secretaries

    def load_accounts(self) -> None:
        """The office at the root, and one account per party organization for its
        secretary: a branch secretary's, or a leader's for a committee."""
        joined = self.at(CAMPAIGN_STARTS)

        def rows():
            yield (self.office_id, "scale-office", "规模测试创先争优办", True, Role.OFFICE, self.root.id, None)
            for organization in self.organizations:
                if organization.user_id is not None:
                    role = Role.SECRETARY if organization.kind == OrganizationKind.BRANCH else Role.LEADER
                    username = f"dy{organization.secretary_id}"
                    yield (organization.user_id, username, "", False, role, organization.id, organization.secretary_id)

        columns = ("id", "username", "first_name", "is_staff", "role", "organization_id", "member_id")
        columns += ("password", "is_superuser", "last_name", "email", "is_active", "date_joined")
        # No password: these accounts are for tests and benches, which log in without one.
        rest = (False, "", "", True, joined)
        with self.step("orgs_user") as counted:
            counted.append(
                copy_rows(self.cursor, "orgs_user", columns, (row + (unusable_password(),) + rest for row in rows()))
            )

        # The organizations as the SQL steps need them.
        cursor = self.cursor
        cursor.execute(
            "CREATE TEMP TABLE scale_org (id bigint, parent_id bigint, kind text, sector text, name text, "
            "level int, township_id bigint, is_party bool, is_branch bool, secretary_id bigint, "
            "secretary_name text, user_id bigint, superior_user_id bigint, diligent bool)"
        )
        columns = ("id", "parent_id", "kind", "sector", "name", "level", "township_id", "is_party", "is_branch")
        columns += ("secretary_id", "secretary_name", "user_id", "superior_user_id", "diligent")
        copy_rows(
            cursor,
            "scale_org",
            columns,
            (
                (
                    o.id,
                    o.parent.id if o.parent else None,
                    o.kind,
                    o.sector,
                    o.name,
                    o.level,
                    o.township.id if o.township else None,
                    o.is_party,
                    o.kind == OrganizationKind.BRANCH,
                    o.secretary_id,
                    self.secretary_names.get(o.id, ""),
                    o.user_id,
                    o.parent.user_id if o.parent else self.office_id,
                    self.rng.random() < DILIGENT_REPORTERS,
                )
                for o in self.organizations
            ),
        )
        cursor.execute("ANALYZE scale_org")

    def load_campaign(self) -> None:
        with self.step("campaign (services)"):
            root = Organization.objects.get(pk=self.root.id)
            self.campaign = campaign_create(
                organization=root,
                name=CAMPAIGN_NAME,
                theme=DEMO_THEME,
                starts_on=CAMPAIGN_STARTS,
                ends_on=CAMPAIGN_ENDS,
                sector_themes=DEMO_SECTOR_THEMES,
                by=None,
            )
            Campaign.objects.filter(pk=self.campaign.pk).update(
                created_at=self.at(CAMPAIGN_STARTS - datetime.timedelta(days=10))
            )
            dimensions = (
                StandardDimension.objects.filter(standard__campaign=self.campaign)
                .select_related("standard")
                .order_by("order", "pk")
            )
            self.organization_dimensions = [
                d.pk for d in dimensions if d.standard.subject == StandardSubject.ORGANIZATION
            ]
            self.member_dimensions = [d.pk for d in dimensions if d.standard.subject == StandardSubject.MEMBER]
            self.dimension_names = {d.pk: d.name for d in dimensions}

    # -- pledges -----------------------------------------------------------------

    def load_pledges(self) -> None:
        """Every party organization and every member pledges; about 85% of the pledges
        are published (a tenth of those twice, after a revision) and most of those are
        being fulfilled, with items done, some late, a few assessed."""
        base = next_id(self.cursor, "pledges_pledge")
        params = self.params(
            base=base,
            org_targets=list(texts.ORGANIZATION_TARGETS),
            member_targets=list(texts.MEMBER_TARGETS),
            works=list(texts.WORKS),
            practical=[phrase for sector in Sector.values for phrase in texts.PRACTICAL_THINGS[sector]],
            sectors=list(Sector.values),
            results=list(texts.MEASURABLE_RESULTS),
            org_dims=self.organization_dimensions,
            member_dims=self.member_dimensions,
            channels=list(PublicationChannel.values),
            comments=list(texts.ASSESSMENT_COMMENTS),
            return_reason=texts.RETURN_REASON,
            opinions=list(texts.OPINION_SUMMARIES),
            methods=["forum", "questionnaire", "visit", "box", "online"],
            partial=list(texts.PROGRESS_PARTIAL),
            done=list(texts.PROGRESS_DONE),
        )
        width = texts.POOL_WIDTH
        with self.step("plan pledges (scratch table)"):
            self.execute(
                None,
                """
                CREATE TEMP TABLE scale_pledge AS
                WITH drawn AS (
                    SELECT o.id AS organization_id, NULL::bigint AS member_id, o.name || '创先争优公开承诺' AS title,
                           o.sector, o.user_id AS filer, o.superior_user_id AS decider,
                           3 + floor(random() * 3)::int AS n_items, random() AS r_state, random() AS r_kind,
                           random() AS r_version, floor(random() * 20)::int AS day_offset, random() AS r_fulfil
                    FROM scale_org o WHERE o.is_party
                    UNION ALL
                    SELECT m.organization_id, m.id, m.name || '同志的党员公开承诺', o.sector, o.user_id,
                           CASE WHEN m.post = 'member' THEN o.user_id ELSE o.superior_user_id END,
                           1 + floor(random() * 3)::int, random(), random(), random(), floor(random() * 20)::int,
                           random()
                    FROM orgs_member m JOIN scale_org o ON o.id = m.organization_id
                ), staged AS (
                    -- Numbered in the order drawn (organizations, then members): no sort.
                    SELECT %(base)s + row_number() OVER () - 1 AS id, drawn.*,
                           CASE WHEN r_state < 0.04 THEN 'draft' WHEN r_state < 0.08 THEN 'submitted'
                                WHEN r_state < 0.10 THEN 'returned' WHEN r_state < 0.15 THEN 'approved'
                                WHEN r_state < 0.33 THEN 'published' WHEN r_state < 0.93 THEN 'in_progress'
                                ELSE 'assessed' END AS state,
                           CASE WHEN r_kind < (CASE WHEN member_id IS NULL THEN 0.2 ELSE 0.05 END) THEN 'long_term'
                                WHEN r_kind < 0.9 THEN 'annual' ELSE 'immediate' END AS kind,
                           %(start)s::date + day_offset AS created_on
                    FROM drawn
                ), dated AS (
                    SELECT staged.*,
                           CASE WHEN state IN ('published', 'in_progress', 'assessed')
                                THEN 1 + (r_version < 0.1)::int ELSE 0 END AS published_version,
                           created_on + 2 + (id %% 8)::int AS submitted_on,
                           created_on + 3 + (id %% 8)::int + (id %% 5)::int AS decided_on,
                           CASE WHEN state IN ('published', 'in_progress', 'assessed')
                                THEN created_on + 4 + (id %% 8)::int + (id %% 5)::int + (id %% 4)::int END
                                AS first_published_on,
                           %(end)s::date - (id %% 20)::int AS assessed_on
                    FROM staged
                )
                SELECT dated.*,
                       -- A revised pledge was published again three to five months later.
                       first_published_on + CASE WHEN published_version = 2 THEN 90 + (id %% 60)::int ELSE 0 END
                           AS published_on,
                       COALESCE(first_published_on, created_on + 20) AS ready_on
                FROM dated;
                ANALYZE scale_pledge;
                """,
                params,
            )
        with self.step("pledges_pledge") as rows:
            self.execute(
                rows,
                """
                INSERT INTO pledges_pledge (
                    id, campaign_id, organization_id, member_id, kind, title, state, published_version,
                    submitted_at, submitted_by_id, decided_at, decided_by_id, return_reason, published_on,
                    publication_channel, assessed_at, assessed_by_id, fulfillment, assessment_comment,
                    created_by_id, created_at, updated_at)
                SELECT id, %(campaign)s, organization_id, member_id, kind, title, state, published_version,
                    CASE WHEN state <> 'draft' THEN (submitted_on + time '10:00') AT TIME ZONE %(tz)s END,
                    CASE WHEN state <> 'draft' THEN filer END,
                    CASE WHEN state NOT IN ('draft', 'submitted')
                         THEN (decided_on + time '15:00') AT TIME ZONE %(tz)s END,
                    CASE WHEN state NOT IN ('draft', 'submitted') THEN decider END,
                    CASE WHEN state = 'returned' THEN %(return_reason)s ELSE '' END,
                    CASE WHEN published_version > 0 THEN published_on END,
                    CASE WHEN published_version > 0 THEN (%(channels)s::text[])[1 + (id %% 5)::int] ELSE '' END,
                    CASE WHEN state = 'assessed' THEN (assessed_on + time '16:00') AT TIME ZONE %(tz)s END,
                    CASE WHEN state = 'assessed' THEN decider END,
                    CASE WHEN state <> 'assessed' THEN '' WHEN r_fulfil < 0.72 THEN 'fulfilled'
                         WHEN r_fulfil < 0.93 THEN 'partly' ELSE 'not_fulfilled' END,
                    CASE WHEN state <> 'assessed' THEN '' WHEN r_fulfil < 0.72 THEN (%(comments)s::text[])[2]
                         WHEN r_fulfil < 0.93 THEN (%(comments)s::text[])[1] ELSE (%(comments)s::text[])[3] END,
                    filer,
                    (created_on + time '09:00') AT TIME ZONE %(tz)s,
                    (GREATEST(created_on,
                              CASE WHEN state <> 'draft' THEN submitted_on END,
                              CASE WHEN state NOT IN ('draft', 'submitted') THEN decided_on END,
                              published_on,
                              CASE WHEN state = 'assessed' THEN assessed_on END) + time '17:00') AT TIME ZONE %(tz)s
                FROM scale_pledge
                """,
                params,
            )
        with self.step("pledges_opinion") as rows:
            self.execute(
                rows,
                f"""
                INSERT INTO pledges_opinion (pledge_id, solicited_on, method, summary)
                SELECT p.id, p.created_on - 1 - floor(random() * 14)::int,
                       (%(methods)s::text[])[1 + floor(random() * 5)::int],
                       {pick("opinions")}
                FROM scale_pledge p
                CROSS JOIN LATERAL generate_series(
                    1, CASE WHEN p.member_id IS NULL THEN 1 + (p.id %% 2)::int WHEN p.r_kind < 0.1 THEN 1 ELSE 0 END) g
                """,
                params,
            )
        params["item_base"] = next_id(self.cursor, "pledges_pledgeitem")
        params["org_dim_names"] = [self.dimension_names[pk] for pk in self.organization_dimensions]
        params["member_dim_names"] = [self.dimension_names[pk] for pk in self.member_dimensions]
        with self.step("plan items (scratch table)"):
            # Each item with its content as pledges.lifecycle.pledge_content freezes it,
            # drawn in pledge order; the versions gather them below.
            self.execute(
                None,
                f"""
                CREATE TEMP TABLE scale_item AS
                SELECT drawn.*,
                       CASE WHEN r_done < done_share THEN LEAST(%(end)s::date,
                            GREATEST(ready_on + 5, due_date - 45 + floor(r_when * 60)::int)) END AS completed_on,
                       CASE WHEN published_version > 0 THEN jsonb_build_object(
                           'id', id, 'target', target, 'work', work, 'practical_things', practical,
                           'dimension', dimension_name, 'due_date', to_char(due_date, 'YYYY-MM-DD'),
                           'measurable_result', result) END AS content
                FROM (
                    SELECT %(item_base)s + row_number() OVER () - 1 AS id, p.id AS pledge_id, g - 1 AS "order",
                        p.n_items, p.published_version, p.ready_on,
                        CASE WHEN p.member_id IS NULL
                             THEN (%(org_targets)s::text[])[((p.id + g) %% 5)::int * {width} + 1
                                                            + floor(random() * {width})::int]
                             ELSE (%(member_targets)s::text[])[((p.id + g) %% 5)::int * {width} + 1
                                                               + floor(random() * {width})::int] END AS target,
                        {pick("works")} AS work,
                        (%(practical)s::text[])[(array_position(%(sectors)s::text[], p.sector) - 1) * 4 + 1
                                                + floor(random() * 4)::int] AS practical,
                        CASE WHEN p.member_id IS NULL THEN (%(org_dims)s::bigint[])[1 + ((p.id + g) %% 5)::int]
                             ELSE (%(member_dims)s::bigint[])[1 + ((p.id + g) %% 5)::int] END AS dimension_id,
                        CASE WHEN p.member_id IS NULL THEN (%(org_dim_names)s::text[])[1 + ((p.id + g) %% 5)::int]
                             ELSE (%(member_dim_names)s::text[])[1 + ((p.id + g) %% 5)::int] END AS dimension_name,
                        LEAST(%(end)s::date, p.ready_on + 30
                              + floor(random() * GREATEST(1, %(end)s::date - p.ready_on - 30))::int) AS due_date,
                        {pick("results")} AS result,
                        random() AS r_done, random() AS r_when,
                        CASE p.state WHEN 'in_progress' THEN 0.8 WHEN 'assessed' THEN 0.95 ELSE 0 END AS done_share
                    FROM scale_pledge p CROSS JOIN LATERAL generate_series(1, p.n_items) g
                ) drawn
                """,
                params,
            )
        with self.step("pledges_pledgeitem") as rows:
            self.execute(
                rows,
                """
                INSERT INTO pledges_pledgeitem (
                    id, pledge_id, "order", target, work, practical_things, dimension_id, due_date,
                    measurable_result, completed_on)
                SELECT id, pledge_id, "order", target, work, practical, dimension_id, due_date, result, completed_on
                FROM scale_item
                """,
            )
            self.cursor.execute("ANALYZE pledges_pledgeitem")
        with self.step("pledges_pledgeversion") as rows:
            # The items come to the aggregate in (pledge, order) order from the index, so
            # the groups need no sort and each list is in the pledge's order.
            self.execute(
                rows,
                """
                CREATE INDEX ON scale_item (pledge_id, "order") WHERE published_version > 0;
                ANALYZE scale_item;
                INSERT INTO pledges_pledgeversion (
                    pledge_id, number, content, published_on, publication_channel, published_by_id, created_at)
                SELECT p.id, v.number,
                       jsonb_build_object(
                           'title', p.title, 'kind', p.kind, 'opinions', COALESCE(op.list, '[]'::jsonb),
                           'items', CASE WHEN v.number < p.published_version THEN s.earlier ELSE s.latest END),
                       day, (%(channels)s::text[])[1 + ((p.id + v.number) %% 5)::int], p.filer,
                       (day + time '11:00') AT TIME ZONE %(tz)s
                FROM scale_pledge p
                JOIN (
                    SELECT pledge_id, jsonb_agg(content) AS latest,
                           -- The first version of a revised pledge had one item fewer.
                           COALESCE(jsonb_agg(content) FILTER (WHERE "order" < n_items - 1 OR n_items = 1),
                                    '[]'::jsonb) AS earlier
                    FROM (SELECT pledge_id, "order", n_items, content FROM scale_item
                          WHERE published_version > 0 ORDER BY pledge_id, "order") ordered
                    GROUP BY pledge_id
                ) s ON s.pledge_id = p.id
                CROSS JOIN LATERAL (VALUES (1, p.first_published_on), (2, p.published_on)) v(number, day)
                LEFT JOIN (
                    SELECT pledge_id,
                           jsonb_agg(jsonb_build_object(
                               'solicited_on', to_char(solicited_on, 'YYYY-MM-DD'), 'method', method,
                               'summary', summary) ORDER BY solicited_on, id) AS list
                    FROM pledges_opinion GROUP BY pledge_id
                ) op ON op.pledge_id = p.id
                WHERE v.number <= p.published_version;
                """,
                params,
            )
            self.cursor.execute("DROP TABLE scale_item")
        with self.step("pledges_progressentry") as rows:
            self.execute(
                rows,
                f"""
                INSERT INTO pledges_progressentry
                       (item_id, recorded_on, text, marks_done, recorded_by_id, created_at, removal_reason)
                SELECT item_id, recorded_on, text, marks_done, filer,
                       (recorded_on + time '17:00') AT TIME ZONE %(tz)s, ''
                FROM (
                    SELECT i.id AS item_id, i.completed_on AS recorded_on, p.filer, true AS marks_done,
                           {pick("done")} AS text
                    FROM pledges_pledgeitem i JOIN scale_pledge p ON p.id = i.pledge_id
                    WHERE i.completed_on IS NOT NULL
                    UNION ALL
                    SELECT i.id, p.ready_on + floor(random() * GREATEST(1,
                               COALESCE(i.completed_on, LEAST(i.due_date, %(end)s::date)) - p.ready_on))::int,
                           p.filer, false,
                           {pick("partial")}
                    FROM pledges_pledgeitem i JOIN scale_pledge p ON p.id = i.pledge_id
                    WHERE p.state IN ('in_progress', 'assessed') AND random() < 0.55
                ) entries
                """,
                params,
            )

    # -- rectification and listed supervision ------------------------------------

    def load_rectifications(self) -> None:
        """Problems found in about a third of the organizations, most solved and
        published; listed supervision (挂牌督办) of late items and of late rectification."""
        params = self.params(
            categories=list(texts.PROBLEM_CATEGORIES),
            problems=list(texts.PROBLEMS),
            measures=list(texts.MEASURES),
            results=list(texts.RESULTS),
            notes=list(texts.SUPERVISION_NOTES),
            closing=list(texts.CLOSING_NOTES),
            follow=list(texts.FOLLOW_UP_NOTES),
        )
        with self.step("pledges_rectification (found)") as rows:
            self.execute(
                rows,
                f"""
                INSERT INTO pledges_rectification (
                    campaign_id, organization_id, source, category, problem, measure, owner, deadline, status,
                    result, solved_on, is_published, published_on, created_by_id, created_at)
                SELECT %(campaign)s, organization_id, 'found_problem', category, problem, measure, owner, deadline,
                       CASE WHEN r_status < 0.75 THEN 'solved' WHEN r_status < 0.92 THEN 'in_progress' ELSE 'open' END,
                       CASE WHEN r_status < 0.75 THEN result ELSE '' END,
                       CASE WHEN r_status < 0.75 THEN solved_on END,
                       r_status < 0.75 AND r_publish < 0.7,
                       CASE WHEN r_status < 0.75 AND r_publish < 0.7 THEN LEAST(%(end)s::date, solved_on + 3) END,
                       user_id, (found_on + time '10:00') AT TIME ZONE %(tz)s
                FROM (
                    SELECT o.id AS organization_id, o.user_id, left(o.secretary_name, 50) AS owner, found_on,
                           found_on + 30 + floor(r_deadline * 90)::int AS deadline,
                           -- Four in five solved ones were solved in time.
                           LEAST(%(end)s::date, found_on + 30 + floor(r_deadline * 90)::int
                                 + CASE WHEN r_late < 0.8 THEN -floor(r_late * 25)::int
                                        ELSE floor(r_late * 30)::int END) AS solved_on,
                           r_status, r_publish,
                           {pick("categories")}
                               AS category,
                           {pick("problems")}
                               AS problem,
                           {pick("measures")}
                               AS measure,
                           {pick("results")}
                               AS result
                    FROM (
                        SELECT o.*, %(start)s::date + 10 + floor(random() * 60)::int AS found_on,
                               random() AS r_deadline, random() AS r_late, random() AS r_status,
                               random() AS r_publish, CASE WHEN random() < 0.3 THEN 1 + (random() < 0.3)::int
                                                           ELSE 0 END AS problems
                        FROM scale_org o WHERE o.is_party
                    ) o CROSS JOIN LATERAL generate_series(1, o.problems) g
                ) drawn
                """,
                params,
            )
        # 验收销号: two in three solved tasks were signed off by the organization above a
        # week after the report; the rest still wait, reported but unverified.
        self.execute(
            None,
            """
            UPDATE pledges_rectification r
            SET reported_at = (r.solved_on + time '16:00') AT TIME ZONE %(tz)s,
                status = CASE WHEN r.id %% 3 <> 0 THEN 'verified' ELSE r.status END,
                verified_by_id = CASE WHEN r.id %% 3 <> 0 THEN o.superior_user_id END,
                verified_at = CASE WHEN r.id %% 3 <> 0
                                   THEN (LEAST(%(end)s::date, r.solved_on + 7) + time '10:00') AT TIME ZONE %(tz)s END,
                lookback_due = CASE WHEN r.id %% 3 <> 0
                                    THEN (LEAST(%(end)s::date, r.solved_on + 7) + interval '3 months')::date END
            FROM scale_org o
            WHERE o.id = r.organization_id AND r.campaign_id = %(campaign)s
              AND r.source = 'found_problem' AND r.status = 'solved'
            """,
            params,
        )
        with self.step("pledges_supervision") as rows:
            # Late items still open, a few late ones since completed (closed when done),
            # and rectification past its deadline.
            self.execute(
                rows,
                f"""
                INSERT INTO pledges_supervision (
                    organization_id, pledge_item_id, rectification_id, supervisor_id, deadline, notes,
                    opened_by_id, opened_at, closed_at, closing_note)
                SELECT organization_id, pledge_item_id, rectification_id, supervisor, opened_on + 30,
                       {pick("notes")},
                       supervisor, (opened_on + time '09:00') AT TIME ZONE %(tz)s,
                       (closed_on + time '16:00') AT TIME ZONE %(tz)s,
                       CASE WHEN closed_on IS NULL THEN ''
                            ELSE (%(closing)s::text[])[1 + floor(random() * 2)::int] END
                FROM (
                    SELECT p.organization_id, i.id AS pledge_item_id, NULL::bigint AS rectification_id,
                           o.superior_user_id AS supervisor, i.due_date + 7 AS opened_on,
                           CASE WHEN i.completed_on IS NOT NULL THEN i.completed_on + 2 END AS closed_on
                    FROM pledges_pledgeitem i
                    JOIN scale_pledge p ON p.id = i.pledge_id
                    JOIN scale_org o ON o.id = p.organization_id
                    WHERE p.state IN ('published', 'in_progress') AND i.due_date + 7 < %(end)s::date
                      AND (i.completed_on IS NULL OR i.completed_on > i.due_date + 7)
                      AND random() < CASE WHEN p.member_id IS NULL THEN 0.25 ELSE 0.01 END
                    UNION ALL
                    SELECT r.organization_id, NULL, r.id, o.superior_user_id, r.deadline + 3,
                           CASE WHEN r.solved_on IS NOT NULL THEN r.solved_on + 1 END
                    FROM pledges_rectification r JOIN scale_org o ON o.id = r.organization_id
                    WHERE r.campaign_id = %(campaign)s AND r.deadline + 3 < %(end)s::date
                      AND (r.solved_on IS NULL OR r.solved_on > r.deadline + 3) AND random() < 0.4
                ) listed
                """,
                params,
            )
        with self.step("pledges_followup") as rows:
            self.execute(
                rows,
                """
                INSERT INTO pledges_followup (supervision_id, noted_on, note, noted_by_id)
                SELECT s.id, s.opened_at::date + 7 * g, (%(follow)s::text[])[1 + ((s.id + g) %% 3)::int],
                       s.supervisor_id
                FROM pledges_supervision s
                CROSS JOIN LATERAL generate_series(1, 1 + (s.id %% 3)::int) g
                WHERE s.opened_at::date + 7 * g <= LEAST(%(end)s::date, COALESCE(s.closed_at::date, %(end)s::date))
                """,
                params,
            )

    # -- leader reviews ------------------------------------------------------------

    def load_reviews(self) -> None:
        """Each half-year about 70% of the subjects due (reviews.assignments: orgs and
        their teams from above, plain branch members by their branch) get a review of
        one to three dimensions; the others are marked overdue the day after, as the
        daily job does. One review in twenty-five asks for rectification."""
        params = self.params(
            org_dims=self.organization_dimensions,
            member_dims=self.member_dimensions,
            forms=list(ReviewForm.values),
            achievements=list(texts.REVIEW_ACHIEVEMENTS),
            problems=list(texts.REVIEW_PROBLEMS),
            directions=list(texts.REVIEW_DIRECTIONS),
            measures=list(texts.MEASURES),
            p1=PERIODS[0][0],
            p1_end=PERIODS[0][1],
            p2=PERIODS[1][0],
            p2_end=PERIODS[1][1],
            reviewed=REVIEWED_SHARE,
        )
        with self.step("plan reviews (scratch tables)"):
            self.execute(
                None,
                """
                CREATE TEMP TABLE scale_subject AS
                SELECT o.id AS organization_id, NULL::bigint AS member_id, parent.id AS reviewer_organization_id,
                       parent.user_id AS reviewer_id, o.user_id AS acknowledger_id, 'organization' AS standard
                FROM scale_org o JOIN scale_org parent ON parent.id = o.parent_id
                WHERE o.is_party AND NOT parent.is_branch
                UNION ALL
                SELECT m.organization_id, m.id, parent.id, parent.user_id, o.user_id, 'member'
                FROM orgs_member m JOIN scale_org o ON o.id = m.organization_id
                JOIN scale_org parent ON parent.id = o.parent_id
                WHERE m.post <> 'member' AND NOT parent.is_branch
                UNION ALL
                SELECT m.organization_id, m.id, o.id, o.user_id, o.user_id, 'member'
                FROM orgs_member m JOIN scale_org o ON o.id = m.organization_id
                WHERE o.is_branch AND m.post = 'member';

                CREATE TEMP TABLE scale_due AS
                SELECT s.*, period.start AS period_start, period.last AS period_end,
                       random() < %(reviewed)s AS reviewed, random() AS r_day, random() AS r_more
                FROM scale_subject s
                CROSS JOIN (VALUES (%(p1)s::date, %(p1_end)s::date), (%(p2)s::date, %(p2_end)s::date))
                    period(start, last);
                """,
                params,
            )
            review_base = next_id(self.cursor, "reviews_review")
            rectification_base = next_id(self.cursor, "pledges_rectification")
            self.execute(
                None,
                f"""
                CREATE TEMP TABLE scale_review AS
                SELECT reviews.*,
                       -- Running counts in the order the rows come: ids without a sort.
                       CASE WHEN needs THEN {rectification_base} - 1 + sum(needs::int) OVER (
                           ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS rectification_id
                FROM (
                    SELECT {review_base} + row_number() OVER () - 1 AS id, d.*,
                           d.period_start + floor((d.period_end - d.period_start) * sqrt(d.r_day))::int
                               AS reviewed_on,
                           d.r_more < 0.04 AS needs
                    FROM scale_due d WHERE d.reviewed
                ) reviews;
                ANALYZE scale_review;
                """,
            )
        with self.step("pledges_rectification (reviews)") as rows:
            self.execute(
                rows,
                """
                INSERT INTO pledges_rectification (
                    id, campaign_id, organization_id, member_id, source, category, problem, measure, owner,
                    deadline, status, result, solved_on, is_published, created_by_id, created_at)
                SELECT r.rectification_id, %(campaign)s, r.organization_id, r.member_id, 'review', '领导点评',
                       (%(problems)s::text[])[1 + (r.id %% 4)::int],
                       (%(measures)s::text[])[1 + (r.id %% 4)::int],
                       left(COALESCE(m.name, o.secretary_name), 50), r.reviewed_on + 30,
                       CASE WHEN r.id %% 3 = 0 THEN 'in_progress' ELSE 'solved' END,
                       CASE WHEN r.id %% 3 = 0 THEN '' ELSE '已按点评意见整改到位' END,
                       CASE WHEN r.id %% 3 <> 0
                            THEN LEAST(%(end)s::date, r.reviewed_on + 10 + (r.id %% 25)::int) END,
                       false, r.reviewer_id, (r.reviewed_on + time '16:00') AT TIME ZONE %(tz)s
                FROM scale_review r
                JOIN scale_org o ON o.id = r.organization_id
                LEFT JOIN orgs_member m ON m.id = r.member_id
                WHERE r.needs
                """,
                params,
            )
        with self.step("reviews_review") as rows:
            self.execute(
                rows,
                """
                INSERT INTO reviews_review (
                    id, campaign_id, period_start, reviewer_id, reviewer_organization_id, organization_id,
                    member_id, form, reviewed_on, requires_rectification, rectification_id, acknowledged_at,
                    acknowledged_by_id, created_at, updated_at)
                SELECT id, %(campaign)s, period_start, reviewer_id, reviewer_organization_id, organization_id,
                       member_id, (%(forms)s::text[])[1 + (id %% 7)::int], reviewed_on, needs, rectification_id,
                       CASE WHEN id %% 20 < 13
                            THEN (reviewed_on + 1 + (id %% 6)::int + time '10:00') AT TIME ZONE %(tz)s END,
                       CASE WHEN id %% 20 < 13 THEN acknowledger_id END,
                       (reviewed_on + time '15:00') AT TIME ZONE %(tz)s,
                       (reviewed_on + time '15:00') AT TIME ZONE %(tz)s
                FROM scale_review
                """,
                params,
            )
        with self.step("reviews_reviewsection") as rows:
            self.execute(
                rows,
                """
                INSERT INTO reviews_reviewsection (review_id, dimension_id, achievements, problems, direction, grade)
                SELECT id, dimension_id,
                       (%(achievements)s::text[])[1 + floor(random() * 5)::int],
                       (%(problems)s::text[])[1 + floor(random() * 5)::int],
                       (%(directions)s::text[])[1 + floor(random() * 4)::int],
                       CASE WHEN g < 0.35 THEN 'excellent' WHEN g < 0.8 THEN 'good' WHEN g < 0.97 THEN 'fair'
                            ELSE 'poor' END
                FROM (
                    SELECT r.id, CASE WHEN r.standard = 'organization' THEN (%(org_dims)s::bigint[])[k + 1]
                                      ELSE (%(member_dims)s::bigint[])[k + 1] END AS dimension_id,
                           random() AS g
                    FROM scale_review r CROSS JOIN generate_series(0, 4) k
                    WHERE k = r.id %% 5 OR random() < 0.2
                ) sections
                """,
                params,
            )
        with self.step("reviews_overduereview") as rows:
            self.execute(
                rows,
                """
                INSERT INTO reviews_overduereview (
                    campaign_id, period_start, reviewer_organization_id, organization_id, member_id, marked_on)
                SELECT %(campaign)s, period_start, reviewer_organization_id, organization_id, member_id, period_end + 1
                FROM scale_due WHERE NOT reviewed
                """,
                params,
            )

    # -- mass evaluation -------------------------------------------------------------

    def load_rounds(self) -> None:
        """One closed round per township-level organization per half-year, evaluating
        the organization and its leadership team; its forms come from the plan (exactly
        the votes asked for), a quarter of the rounds also had a paper tally sheet."""
        cursor = self.cursor
        rng = self.rng
        with self.step("reviews_evaluationround") as rows:
            round_rows = []
            for evaluation_round in self.rounds:
                _start, _end, label, month = PERIODS[evaluation_round.period]
                briefing = month + datetime.timedelta(days=rng.randrange(15))
                opens_at = self.at(briefing, 9)
                closes_at = self.at(briefing + datetime.timedelta(days=3), 18)
                evaluation_round.closes_at = closes_at
                round_rows.append(
                    (
                        evaluation_round.id,
                        self.campaign.pk,
                        evaluation_round.organization.id,
                        label,
                        briefing,
                        "briefing" if rng.random() < 0.7 else "forum",
                        texts.ROUND_BRIEFING,
                        opens_at,
                        closes_at,
                        "closed",
                        evaluation_round.organization.user_id,
                        opens_at - datetime.timedelta(days=7),
                        opens_at,
                        closes_at,
                    )
                )
            columns = ("id", "campaign_id", "organization_id", "period", "briefing_on", "briefing_kind")
            columns += ("briefing_summary", "opens_at", "closes_at", "state", "created_by_id", "created_at")
            columns += ("opened_at", "closed_at")
            rows.append(copy_rows(cursor, "reviews_evaluationround", columns, round_rows))
        shares: list[tuple[int, int, float]] = []
        with self.step("reviews_evaluationsubject") as rows:
            subject_rows = []
            for evaluation_round in self.rounds:
                members = [None, *evaluation_round.subject_members]
                for order, member_id in enumerate(members):
                    subject_id = evaluation_round.first_subject_id + order
                    subject_rows.append((subject_id, evaluation_round.id, member_id, order))
                    shares.append((subject_id, evaluation_round.id, subject_share(rng)))
            rows.append(
                copy_rows(cursor, "reviews_evaluationsubject", ("id", "round_id", "member_id", "order"), subject_rows)
            )
        # Each round copies the campaign's categories and choices, as reviews.rounds does.
        categories = list(self.campaign.evaluator_categories.values_list("key", "label", "order"))
        choices = list(self.campaign.evaluation_choices.values_list("key", "label", "counting", "order"))
        with self.step("reviews_roundcategory, roundchoice") as rows:
            rows.append(
                copy_rows(
                    cursor,
                    "reviews_roundcategory",
                    ("round_id", "category", "label", "order", "code_count", "codes_used"),
                    (
                        # Every round here is tallied: the tally keeps the count of used codes.
                        (
                            evaluation_round.id,
                            key,
                            label,
                            order,
                            evaluation_round.codes_by_category.get(key, 0),
                            evaluation_round.forms_by_category.get(key, 0),
                        )
                        for evaluation_round in self.rounds
                        for key, label, order in categories
                    ),
                )
            )
            rows.append(
                copy_rows(
                    cursor,
                    "reviews_roundchoice",
                    ("round_id", "key", "label", "counting", "order"),
                    (
                        (evaluation_round.id, key, label, counting, order)
                        for evaluation_round in self.rounds
                        for key, label, counting, order in choices
                    ),
                )
            )
        cursor.execute("CREATE TEMP TABLE scale_round_category (round_id bigint, category text, forms int, codes int)")
        copy_rows(
            cursor,
            "scale_round_category",
            ("round_id", "category", "forms", "codes"),
            (
                (evaluation_round.id, category, forms, evaluation_round.codes_by_category[category])
                for evaluation_round in self.rounds
                for category, forms in evaluation_round.forms_by_category.items()
            ),
        )
        with self.step("reviews_evaluationcode") as rows:
            # Every round here is tallied, so every code is retired (used), in random order,
            # as the tally leaves them (reviews.ballots.codes_retire).
            self.execute(
                rows,
                f"""
                INSERT INTO reviews_evaluationcode (round_id, category, code, used)
                SELECT round_id, category, {code_expression("number")}, TRUE
                FROM (
                    SELECT c.round_id, c.category,
                           row_number() OVER (ORDER BY c.round_id, c.category, g) AS number
                    FROM scale_round_category c CROSS JOIN LATERAL generate_series(1, c.codes) g
                ) codes
                ORDER BY random()
                """,
            )
        with self.step("reviews_ballotchoice (and ballots)") as rows:
            forms = [
                (evaluation_round.id, category, count)
                for evaluation_round in self.rounds
                for category, count in evaluation_round.forms_by_category.items()
                if count
            ]
            ballots, votes = ballots_insert(cursor, forms=forms, shares=shares)
            rows.append(votes)
        self.report(f"  {'reviews_ballot':<34}{ballots:>12,} rows  (with the votes)")
        share_of = {subject_id: share for subject_id, _round, share in shares}
        with self.step("reviews_papertally, papercount") as rows:
            tally_id = next_id(cursor, "reviews_papertally")
            sheets, counts = [], []
            for evaluation_round in self.rounds:
                if rng.random() >= PAPER_ROUNDS:
                    continue
                forms_on_paper = rng.randint(10, 40)
                entered_at = evaluation_round.closes_at
                sheets.append(
                    (tally_id, evaluation_round.id, EvaluatorCategory.PUBLIC, forms_on_paper)
                    + (evaluation_round.organization.user_id, entered_at, "")
                )
                for order in range(evaluation_round.subject_count):
                    subject_id = evaluation_round.first_subject_id + order
                    for choice, count in paper_counts(share_of[subject_id], forms_on_paper, rng).items():
                        if count:
                            counts.append((tally_id, subject_id, choice, count))
                tally_id += 1
            columns = ("id", "round_id", "category", "forms", "entered_by_id", "entered_at", "correction_reason")
            rows.append(copy_rows(cursor, "reviews_papertally", columns, sheets))
            rows.append(copy_rows(cursor, "reviews_papercount", ("tally_id", "subject_id", "choice", "count"), counts))

    def tally(self) -> None:
        """Tally every round at once in SQL, by the rules of reviews.tally (see
        TALLY_SQL), open the 补课整改 of the subjects under the threshold with the app's
        own reviews.tally.remedials_create, dated the day after the round closed, and
        check a few rounds against the app's round_tally."""
        round_ids = [evaluation_round.id for evaluation_round in self.rounds]
        campaign = self.campaign
        params = self.params(
            rounds=round_ids,
            threshold=campaign.satisfaction_threshold,
            published=PUBLISHED_ROUNDS,
        )
        with self.step("reviews_tallyresult (SQL)") as rows:
            self.execute(rows, TALLY_SQL, params)
            self.execute(
                None,
                """
                UPDATE reviews_evaluationround
                SET state = CASE WHEN (id %% 10) < 10 * %(published)s THEN 'published' ELSE 'tallied' END,
                    tallied_at = closes_at + interval '1 day',
                    judged_threshold = %(threshold)s,
                    published_at = CASE WHEN (id %% 10) < 10 * %(published)s
                                        THEN closes_at + interval '3 days' END
                WHERE id = ANY(%(rounds)s)
                """,
                params,
            )
        with self.step("reviews_remedialrectification") as rows:
            flagged: dict[int, list[TallyResult]] = {}
            for result in TallyResult.objects.filter(round_id__in=round_ids, category="", below_threshold=True):
                flagged.setdefault(result.round_id, []).append(result)
            rounds = EvaluationRound.objects.select_related("campaign", "organization__parent").in_bulk(list(flagged))
            for round_id, results in flagged.items():
                evaluation_round = rounds[round_id]
                tallied_on = timezone.localdate(evaluation_round.tallied_at)
                rows.append(remedials_create(evaluation_round, results, today=tallied_on))
            # Created "now" by the service: moved to the day of the tally, and half solved since.
            self.execute(
                None,
                """
                UPDATE pledges_rectification r
                SET created_at = er.tallied_at,
                    status = CASE WHEN r.id %% 2 = 0 THEN 'solved' ELSE 'in_progress' END,
                    solved_on = CASE WHEN r.id %% 2 = 0
                                     THEN LEAST(%(end)s::date, er.tallied_at::date + 20 + (r.id %% 15)::int) END,
                    result = CASE WHEN r.id %% 2 = 0
                                  THEN '已召开专题会议查找原因，整改措施已落实，群众满意' ELSE '' END
                FROM reviews_remedialrectification rr JOIN reviews_evaluationround er ON er.id = rr.round_id
                WHERE rr.rectification_id = r.id AND rr.round_id = ANY(%(rounds)s);
                UPDATE pledges_historicalrectification h
                SET history_date = r.created_at, created_at = r.created_at
                FROM reviews_remedialrectification rr JOIN pledges_rectification r ON r.id = rr.rectification_id
                WHERE h.id = r.id AND rr.round_id = ANY(%(rounds)s);
                """,
                params,
            )
        with self.step("tally check (round_tally)"):
            sample = self.rng.sample(round_ids, min(TALLY_CHECKS, len(round_ids)))
            for round_id in sample:
                tally_check(round_id)

    # -- information reports and models ------------------------------------------------

    def load_reports(self) -> None:
        """Each party organization reports every month: most their three or four items,
        one in five fewer than the quota (so the quarterly circular has names to name)."""
        months = []
        month = CAMPAIGN_STARTS
        while month <= CAMPAIGN_ENDS:
            following = (month + datetime.timedelta(days=32)).replace(day=1)
            months.append((month, (following - month).days))
            month = following
        values = ", ".join(f"('{first.isoformat()}'::date, {days})" for first, days in months)
        params = self.params(titles=list(texts.REPORT_TITLES), sentences=list(texts.REPORT_SENTENCES))
        with self.step("campaign_inforeport") as rows:
            self.execute(
                rows,
                f"""
                INSERT INTO campaign_inforeport (
                    campaign_id, organization_id, title, body, reported_on, category, submitted_by_id, created_at,
                    adopted_level, adopted_at, adopted_by_id)
                SELECT %(campaign)s, organization_id, left(name || title, 200), body, reported_on,
                       CASE WHEN r_category < 0.55 THEN 'work_news' WHEN r_category < 0.8 THEN 'practice'
                            WHEN r_category < 0.92 THEN 'deeds' ELSE 'other' END,
                       user_id, (reported_on + time '16:00') AT TIME ZONE %(tz)s,
                       CASE WHEN r_adopted < 0.08 THEN 'county' WHEN r_adopted < 0.11 THEN 'city'
                            WHEN r_adopted < 0.118 THEN 'province' WHEN r_adopted < 0.12 THEN 'central' ELSE '' END,
                       CASE WHEN r_adopted < 0.12
                            THEN (reported_on + 3 + floor(r_category * 15)::int + time '10:00') AT TIME ZONE %(tz)s END,
                       CASE WHEN r_adopted < 0.12 THEN %(office)s END
                FROM (
                    SELECT om.organization_id, om.user_id, om.name,
                           om.first + floor(random() * om.days)::int AS reported_on,
                           {pick("titles")} AS title,
                           (%(sentences)s::text[])[1 + floor(random() * 8)::int]
                           || (%(sentences)s::text[])[1 + floor(random() * 8)::int]
                           || (%(sentences)s::text[])[1 + floor(random() * 8)::int] AS body,
                           random() AS r_category, random() AS r_adopted
                    FROM (
                        SELECT o.id AS organization_id, o.user_id, o.name, month.first, month.days,
                               CASE WHEN o.diligent THEN 3 + (random() < 0.35)::int
                                    ELSE floor(random() * 3)::int END AS reports
                        FROM scale_org o CROSS JOIN (VALUES {values}) month(first, days)
                        WHERE o.is_party
                    ) om CROSS JOIN LATERAL generate_series(1, om.reports) g
                ) drawn
                """,
                params,
            )

    def load_nominations(self) -> None:
        """Each township-level organization puts forward up to three models a quarter,
        members or branches of its subtree, each taken up the tree one level at a time;
        about half are selected by the office, so some townships miss the quota."""
        rng = self.rng
        by_township: dict[int, list[PlannedOrganization]] = {}
        for organization in self.organizations:
            if organization.township is not None and organization.is_party:
                by_township.setdefault(organization.township.id, []).append(organization)
        nominations, opinions = [], []
        nomination_id = next_id(self.cursor, "campaign_modelnomination")
        with self.step("campaign_modelnomination") as rows:
            for quarter in QUARTERS:
                for township in self.townships:
                    subtree = by_township[township.id]
                    branches = [o for o in subtree if o.kind == OrganizationKind.BRANCH]
                    for _ in range(rng.choices((0, 1, 2, 3), (10, 50, 30, 10))[0]):
                        created = self.at(quarter + datetime.timedelta(days=rng.randrange(80)), 10)
                        if branches and rng.random() < 0.4:
                            organization = rng.choice(branches)
                            member_id = None
                            nominating = organization.parent
                            deeds = texts.MODEL_DEEDS[1 + 2 * rng.randrange(2)]
                        else:
                            organization = rng.choice(subtree)
                            member_id = organization.first_member_id + rng.randrange(organization.member_count)
                            nominating = organization
                            deeds = texts.MODEL_DEEDS[2 * rng.randrange(3)]
                        chain = [nominating]
                        while chain[-1].parent is not None:
                            chain.append(chain[-1].parent)
                        status = rng.choices(("selected", "declined", "recommended", "pending"), (45, 12, 23, 20))[0]
                        if status == "recommended" and len(chain) < 3:
                            status = "pending"
                        reached = {
                            "selected": len(chain) - 1,
                            "declined": rng.randrange(len(chain)),
                            "recommended": rng.randrange(1, len(chain) - 1) if len(chain) >= 3 else 0,
                            "pending": 0,
                        }[status]
                        moment = created
                        opinions.append(
                            (nomination_id, nominating.id, "pending", rng.choice(texts.NOMINATION_OPINIONS))
                            + (nominating.user_id, moment)
                        )
                        for level in chain[1 : reached + 1]:
                            moment += datetime.timedelta(days=rng.randint(3, 10))
                            opinions.append(
                                (nomination_id, level.id, "recommended", rng.choice(texts.NOMINATION_OPINIONS))
                                + (level.user_id, moment)
                            )
                        decided = None
                        if status in ("selected", "declined"):
                            moment += datetime.timedelta(days=rng.randint(3, 10))
                            decided = moment
                            opinion = rng.choice(
                                texts.NOMINATION_OPINIONS if status == "selected" else texts.DECLINE_OPINIONS
                            )
                            opinions.append((nomination_id, self.root.id, status, opinion, self.office_id, moment))
                        title = "party_member" if member_id else "party_organization"
                        nominations.append(
                            (nomination_id, self.campaign.pk, organization.id, member_id, deeds, title)
                            + (nominating.user_id, nominating.id, chain[reached].id, status, created, decided)
                        )
                        nomination_id += 1
            columns = ("id", "campaign_id", "organization_id", "member_id", "deeds", "title", "nominated_by_id")
            columns += ("nominating_organization_id", "current_level_id", "status", "created_at", "decided_at")
            rows.append(copy_rows(self.cursor, "campaign_modelnomination", columns, nominations))
        with self.step("campaign_nominationopinion") as rows:
            columns = ("nomination_id", "organization_id", "action", "opinion", "by_id", "created_at")
            rows.append(copy_rows(self.cursor, "campaign_nominationopinion", columns, opinions))


class _Undo(Exception):
    pass


def _results_of(round_id: int) -> list[tuple]:
    return sorted(
        TallyResult.objects.filter(round_id=round_id).values_list(
            "subject_id",
            "category",
            "forms",
            "satisfied",
            "dissatisfied",
            "unknown",
            "choice_counts",
            "satisfaction",
            "below_threshold",
        )
    )


def tally_check(round_id: int) -> None:
    """Tally the round again with the app's round_tally (in a savepoint, undone) and
    insist that it finds exactly the stored results."""
    stored = _results_of(round_id)
    try:
        with transaction.atomic():
            EvaluationRound.objects.filter(pk=round_id).update(state=RoundState.CLOSED)
            round_tally(round_id=round_id)
            recounted = _results_of(round_id)
            raise _Undo
    except _Undo:
        pass
    if recounted != stored:
        raise AssertionError(f"the generated tally of round {round_id} differs from round_tally's")


# The tally of reviews.tally.round_votes and _results for many rounds in one statement:
# forms per category (online and paper), votes per subject, category and choice, a row
# for every subject and every category that cast forms, and the row over all
# categories; satisfaction rounded half up to 4 places, the verdict on integers.
TALLY_SQL = """
INSERT INTO reviews_tallyresult (
    round_id, subject_id, category, forms, satisfied, dissatisfied, unknown, choice_counts,
    satisfaction, below_threshold)
WITH forms AS (
    SELECT round_id, category, sum(forms) AS forms
    FROM (
        SELECT round_id, category, count(*) AS forms FROM reviews_ballot
        WHERE round_id = ANY(%(rounds)s) GROUP BY round_id, category
        UNION ALL
        SELECT round_id, category, forms FROM reviews_papertally WHERE round_id = ANY(%(rounds)s)
    ) both_kinds
    GROUP BY round_id, category
    HAVING sum(forms) > 0
), votes AS (
    SELECT round_id, subject_id, category, choice, sum(votes) AS votes
    FROM (
        SELECT round_id, subject_id, category, choice, count(*) AS votes FROM reviews_ballotchoice
        WHERE round_id = ANY(%(rounds)s) GROUP BY round_id, subject_id, category, choice
        UNION ALL
        SELECT t.round_id, c.subject_id, t.category, c.choice, c.count
        FROM reviews_papercount c JOIN reviews_papertally t ON t.id = c.tally_id
        WHERE t.round_id = ANY(%(rounds)s)
    ) both_kinds
    GROUP BY round_id, subject_id, category, choice
), counted AS (
    -- A choice the round does not offer is left out of the rate, as reviews.tally does.
    SELECT v.*, COALESCE(rc.counting, 'excluded') AS counting
    FROM votes v LEFT JOIN reviews_roundchoice rc ON rc.round_id = v.round_id AND rc.key = v.choice
), by_category AS (
    SELECT s.round_id, s.id AS subject_id, f.category, f.forms,
           COALESCE(sum(v.votes) FILTER (WHERE v.counting = 'satisfied'), 0) AS satisfied,
           COALESCE(sum(v.votes) FILTER (WHERE v.counting = 'counted'), 0) AS dissatisfied,
           COALESCE(sum(v.votes) FILTER (WHERE v.counting = 'excluded'), 0) AS unknown,
           COALESCE(jsonb_object_agg(v.choice, v.votes) FILTER (WHERE v.choice IS NOT NULL), '{}') AS choice_counts
    FROM reviews_evaluationsubject s
    JOIN forms f ON f.round_id = s.round_id
    LEFT JOIN counted v ON v.subject_id = s.id AND v.category = f.category
    WHERE s.round_id = ANY(%(rounds)s)
    GROUP BY s.round_id, s.id, f.category, f.forms
), overall_choices AS (
    SELECT subject_id, jsonb_object_agg(choice, votes) AS choice_counts
    FROM (SELECT subject_id, choice, sum(votes) AS votes FROM counted GROUP BY subject_id, choice) per_choice
    GROUP BY subject_id
), all_rows AS (
    SELECT * FROM by_category
    UNION ALL
    SELECT s.round_id, s.id, '', COALESCE(sum(c.forms), 0), COALESCE(sum(c.satisfied), 0),
           COALESCE(sum(c.dissatisfied), 0), COALESCE(sum(c.unknown), 0),
           COALESCE(min(o.choice_counts::text)::jsonb, '{}')
    FROM reviews_evaluationsubject s
    LEFT JOIN by_category c ON c.subject_id = s.id
    LEFT JOIN overall_choices o ON o.subject_id = s.id
    WHERE s.round_id = ANY(%(rounds)s)
    GROUP BY s.round_id, s.id
)
SELECT round_id, subject_id, category, forms, satisfied, dissatisfied, unknown, choice_counts,
       CASE WHEN counted > 0 THEN round(satisfied * 100 / counted::numeric, 4) END,
       category = '' AND counted > 0 AND satisfied * 100 < %(threshold)s * counted
FROM (SELECT all_rows.*, satisfied + dissatisfied AS counted FROM all_rows) figured
"""


# ---------------------------------------------------------------------------
# What a database holds
# ---------------------------------------------------------------------------


def existing_size() -> ScaleSize | None:
    """The size of the generated data set in the database, or None if there is none."""
    with unscoped("generate_scale"):
        if not Organization.objects.filter(code=ROOT_CODE, parent__isnull=True).exists():
            return None
        return ScaleSize(Organization.objects.count(), Member.objects.count(), BallotChoice.objects.count())


def holds_data() -> bool:
    with unscoped("generate_scale"):
        return Organization.objects.exists() or Member.objects.exists()


def database_size() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        return cursor.fetchone()[0]


def vacuum_analyze() -> None:
    """After a bulk load: statistics for the planner, and the visibility map that lets
    counts be answered from indexes. Must run outside any transaction."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
