"""The shape of a generated data set (campaign.devdata.scale), planned in Python from a seed:
the organization tree, how many members each organization has and who they are, the
evaluation rounds and how many forms each one gets.

Everything here is exact: the tree has exactly the number of organizations asked for,
the roster exactly the number of members, and the rounds' forms carry exactly the
number of votes (one vote per subject per form, as the phone form requires).
"""

from __future__ import annotations

import bisect
import datetime
import itertools
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from campaign.devdata import scale_texts as texts
from campaign.devdata.demo_county import (
    EARLIEST_BIRTH_YEAR,
    ETHNIC_MIXES,
    FEMALE_SHARE,
    PHONE_PREFIXES,
    WORKING_EARLIEST_BIRTH_YEAR,
    member_name,
    posts_for,
    years_after,
)
from orgs.models import Gender, MemberStatus, OrganizationKind, Post, Sector, path_segment
from reviews.codes import CODE_ALPHABET
from reviews.models import EvaluatorCategory
from reviews.rounds import MAX_CODES_PER_CATEGORY

K = OrganizationKind
MASS_KINDS = frozenset(K.mass_organizations())
ROOT_CODE = "SCALE"
# Levels from the root to the deepest branch: 县委 → 乡镇/工委 → (党委) → 党总支 → 党支部.
MAX_LEVELS = 5
# Up to this size the tree is one county; above it, a province of counties of about
# COUNTY_SIZE organizations each (a province of 100,000 has about a hundred).
SINGLE_COUNTY_LIMIT = 2_000
COUNTY_SIZE = 1_000
# A county of 1,000 organizations has about 22 township-level ones, the demo county's 68 have 10.
TOWNSHIPS_PER_ROOT = 0.7
# Committees have only their leadership team; branches hold the members.
TEAM_SIZES = {K.COUNTY_COMMITTEE: (7, 11), K.COMMITTEE: (5, 9), K.WORKING_COMMITTEE: (5, 7), K.GENERAL_BRANCH: (3, 5)}
BRANCH_SIZES = {
    Sector.RURAL: (8, 45),
    Sector.COMMUNITY: (10, 60),
    Sector.ORGAN: (5, 30),
    Sector.INSTITUTION: (8, 70),
    Sector.ENTERPRISE: (3, 25),
    Sector.OTHER: (10, 50),
}
# Members joined before the campaign began.
JOINED_BEFORE = datetime.date(2010, 7, 1)
# How evaluators split over the categories, as at a township's briefing meeting.
CATEGORY_WEIGHTS = {
    EvaluatorCategory.PUBLIC: 50,
    EvaluatorCategory.PARTY_MEMBER: 30,
    EvaluatorCategory.STAFF: 15,
    EvaluatorCategory.REPRESENTATIVE: 5,
}
# Codes handed out are this share used at least, so no category needs more codes than a round may print.
LOWEST_TURNOUT = 0.9
MAX_FORMS_PER_CATEGORY = int(MAX_CODES_PER_CATEGORY * LOWEST_TURNOUT)


class PlanError(ValueError):
    """Sizes that cannot make a sensible data set."""


def apportion(total: int, weights: Sequence[float], minimum: int = 0) -> list[int]:
    """Split ``total`` into parts proportional to ``weights``, each at least
    ``minimum``, summing exactly to ``total`` (largest remainders)."""
    count = len(weights)
    if count == 0:
        if total:
            raise PlanError("nothing to split the total over")
        return []
    spare = total - minimum * count
    if spare < 0:
        raise PlanError(f"{total} is less than {count} parts of at least {minimum}")
    whole = sum(weights)
    shares = [spare * weight / whole for weight in weights] if whole else [spare / count] * count
    parts = [int(share) for share in shares]
    by_remainder = sorted(range(count), key=lambda index: parts[index] - shares[index])
    for index in by_remainder[: spare - sum(parts)]:
        parts[index] += 1
    return [part + minimum for part in parts]


# ---------------------------------------------------------------------------
# The tree
# ---------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class PlannedOrganization:
    id: int
    code: str
    name: str
    kind: str
    sector: str
    parent: PlannedOrganization | None
    path: str
    level: int  # 1 for the root
    profile: str  # the township profile it lies under ("" above townships)
    mix: str  # key of campaign.devdata.demo_county.ETHNIC_MIXES
    township: PlannedOrganization | None = None  # its township-level ancestor, or itself
    children: int = 0
    first_member_id: int = 0
    member_count: int = 0
    user_id: int | None = None

    @property
    def is_party(self) -> bool:
        return self.kind not in MASS_KINDS

    @property
    def secretary_id(self) -> int | None:
        """Members are numbered in post order, so the first one is the secretary."""
        return self.first_member_id if self.member_count else None


class TreeBuilder:
    """Grows a tree of exactly the number of organizations asked for."""

    def __init__(self, rng: random.Random, first_id: int) -> None:
        self.rng = rng
        self.next_id = first_id
        self.organizations: list[PlannedOrganization] = []
        self.township_level = 0

    def build(self, size: int) -> list[PlannedOrganization]:
        if size < 3:
            raise PlanError("a tree needs at least 3 organizations (county, township, branch)")
        if size <= SINGLE_COUNTY_LIMIT:
            root = self.add(None, K.COUNTY_COMMITTEE, Sector.ORGAN, f"中共{self.place()}县委员会", mix="county")
            self.township_level = 2
            self.county(root, size - 1)
        else:
            # The model has no 省委 kind: the province's committee is a 党委 that runs the campaign.
            root = self.add(None, K.COMMITTEE, Sector.ORGAN, "中共基准省委员会", mix="county")
            self.township_level = 3
            counties = max(2, round((size - 1) / COUNTY_SIZE))
            weights = [self.rng.uniform(0.6, 1.4) for _ in range(counties)]
            mixes = list(ETHNIC_MIXES)
            for budget in apportion(size - 1, weights, minimum=3):
                suffix = self.rng.choice(texts.COUNTY_SUFFIXES)
                county = self.add(
                    root,
                    K.COUNTY_COMMITTEE,
                    Sector.ORGAN,
                    f"中共{self.place()}{suffix}委员会",
                    mix=self.rng.choice(mixes),
                )
                self.county(county, budget - 1)
        if len(self.organizations) != size:
            raise AssertionError(f"planned {len(self.organizations)} organizations for {size}")
        return self.organizations

    def place(self) -> str:
        return "".join(self.rng.sample(texts.PLACE_CHARACTERS, 2))

    def add(
        self,
        parent: PlannedOrganization | None,
        kind: str,
        sector: str,
        name: str,
        *,
        profile: str = "",
        mix: str | None = None,
    ) -> PlannedOrganization:
        pk = self.next_id
        self.next_id += 1
        if parent is None:
            code, path, level = ROOT_CODE, path_segment(pk), 1
        else:
            parent.children += 1
            code, path, level = f"{parent.code}-{parent.children}", parent.path + path_segment(pk), parent.level + 1
        organization = PlannedOrganization(
            id=pk,
            code=code,
            name=name[:100],
            kind=kind,
            sector=sector,
            parent=parent,
            path=path,
            level=level,
            profile=profile or (parent.profile if parent else ""),
            mix=mix or (parent.mix if parent else "county"),
        )
        if parent is not None and parent.township is not None:
            organization.township = parent.township
        self.organizations.append(organization)
        return organization

    def county(self, county: PlannedOrganization, budget: int) -> None:
        """Township-level organizations of the county and everything below them."""
        count = min(max(1, round(TOWNSHIPS_PER_ROOT * math.sqrt(budget))), budget // 2)
        weights = [self.rng.uniform(0.5, 1.5) for _ in range(count)]
        profiles = [profile[:4] for profile in texts.TOWNSHIP_PROFILES]
        profile_weights = [profile[4] for profile in texts.TOWNSHIP_PROFILES]
        for index, size in enumerate(apportion(budget, weights, minimum=2)):
            if count >= 3 and index == 0:
                profile = texts.ORGAN_CLUSTER
            elif count >= 3 and index == 1:
                profile = texts.ENTERPRISE_CLUSTER
            else:
                profile = self.rng.choices(profiles, profile_weights)[0]
            name, kind, sector, pattern = profile[0], profile[1], profile[2], profile[3]
            township = self.add(county, kind, sector, pattern.format(place=self.place()), profile=name)
            township.township = township
            self.township(township, size - 1)

    def township(self, township: PlannedOrganization, budget: int) -> None:
        masses = min(budget // 12, 2)
        for kind, pattern in texts.MASS_ORGANIZATIONS[:masses]:
            if township.sector == Sector.ORGAN and kind == K.WOMENS_FEDERATION:
                kind, pattern = texts.MASS_ORGANIZATIONS[2]
            self.add(township, kind, township.sector, pattern.format(parent=township.name.removesuffix("党委")))
        self.fill(township, budget - masses)

    def fill(self, parent: PlannedOrganization, budget: int) -> None:
        """Exactly ``budget`` organizations below ``parent``: branches, some 党总支 with
        branches of their own and, where levels allow, a bureau's 党委 with both."""
        profile = parent.profile
        room = MAX_LEVELS - parent.level
        nested = texts.NESTED_COMMITTEES.get(profile, 0.0) if parent.township is parent and room >= 3 else 0.0
        general = texts.GENERAL_BRANCH_SHARE.get(profile, 0.0) if room >= 2 and parent.kind != K.GENERAL_BRANCH else 0.0
        while budget > 0:
            draw = self.rng.random()
            if budget >= 6 and draw < nested:
                size = min(budget, self.rng.randint(6, 25))
                pattern = texts.NESTED_COMMITTEE_NAMES[profile]
                committee = self.add(parent, K.COMMITTEE, parent.sector, self.unit_name(pattern, parent.sector))
                self.fill(committee, size - 1)
            elif budget >= 3 and draw < nested + general:
                size = min(budget, self.rng.randint(3, 9))
                sector = self.branch_sector(profile)
                pattern = texts.GENERAL_BRANCH_NAMES[sector]
                general_branch = self.add(parent, K.GENERAL_BRANCH, sector, self.unit_name(pattern, sector))
                for _ in range(size - 1):
                    self.branch(general_branch, sector)
            else:
                size = 1
                self.branch(parent, self.branch_sector(profile))
            budget -= size

    def branch(self, parent: PlannedOrganization, sector: str) -> PlannedOrganization:
        return self.add(parent, K.BRANCH, sector, self.unit_name(texts.BRANCH_NAMES[sector], sector))

    def branch_sector(self, profile: str) -> str:
        weights = texts.BRANCH_SECTORS[profile]
        return self.rng.choices(list(weights), list(weights.values()))[0]

    def unit_name(self, pattern: str, sector: str) -> str:
        return pattern.format(
            place=self.place(),
            bureau=self.rng.choice(texts.BUREAUS),
            institution=self.rng.choice(texts.INSTITUTIONS),
            enterprise=self.rng.choice(texts.ENTERPRISES),
        )


# ---------------------------------------------------------------------------
# Members
# ---------------------------------------------------------------------------


def plan_member_counts(organizations: list[PlannedOrganization], total: int, rng: random.Random) -> None:
    """Give every party organization its number of members, summing to ``total``:
    committees their leadership team, branches the rest in proportion to their sector's
    usual size. Mass organizations have no members of their own."""
    party = [organization for organization in organizations if organization.is_party]
    if total < len(party):
        raise PlanError(f"{total} members cannot give each of {len(party)} party organizations a secretary")
    teams = [organization for organization in party if organization.kind != K.BRANCH]
    branches = [organization for organization in party if organization.kind == K.BRANCH]
    team_wishes = [rng.randint(*TEAM_SIZES[organization.kind]) - 1 for organization in teams]
    branch_wishes = [rng.randint(*BRANCH_SIZES[organization.sector]) for organization in branches]
    extra = total - len(party)
    # Committees keep their usual team unless members are scarce; branches take the rest.
    team_extra = min(sum(team_wishes), extra // 2) if branches else extra
    team_parts = apportion(team_extra, team_wishes)
    branch_parts = apportion(extra - team_extra, branch_wishes) if branches else []
    for organization, part in zip(teams + branches, team_parts + branch_parts, strict=True):
        organization.member_count = 1 + part


def number_members(organizations: list[PlannedOrganization], first_id: int) -> int:
    """Member ids run organization by organization, in post order; returns the next free id."""
    next_id = first_id
    for organization in organizations:
        organization.first_member_id = next_id
        next_id += organization.member_count
    return next_id


# (id, organization id, name, gender, ethnicity, birth date, joined date, status, post, phone,
# job title): every one a party member, as a party roster is.
MemberRow = tuple
MEMBER_COLUMNS = ("id", "organization_id", "name", "gender", "ethnicity", "birth_date", "joined_date", "status")
MEMBER_COLUMNS += ("post", "phone", "job_title")
DAYS_18_YEARS = 6_575
DAYS_45_YEARS = 16_436


def member_rows(organizations: list[PlannedOrganization], rng: random.Random) -> Iterator[MemberRow]:
    """Each organization's members as the demo county makes them (campaign.devdata.demo_county), without
    ever repeating a name and birth date within one organization. Millions of rows:
    dates are drawn as day numbers and weights by bisection, which is several times
    faster than the demo's helpers."""
    draw = rng.random
    last_year = years_after(JOINED_BEFORE, -1).toordinal()
    before = JOINED_BEFORE.toordinal()
    retired_span = (datetime.date(1940, 1, 1).toordinal(), datetime.date(1950, 12, 31).toordinal())
    leader_latest = datetime.date(1975, 12, 31).toordinal()
    member_latest = datetime.date(1990, 12, 31).toordinal()
    for organization in organizations:
        if not organization.member_count:
            continue
        mix = ETHNIC_MIXES[organization.mix]
        ethnicities = list(mix)
        cumulative = list(itertools.accumulate(mix.values()))
        female_share = FEMALE_SHARE[organization.sector]
        retired = organization.sector == Sector.OTHER
        earliest = EARLIEST_BIRTH_YEAR.get(organization.sector, WORKING_EARLIEST_BIRTH_YEAR)
        member_span = (datetime.date(earliest, 1, 1).toordinal(), member_latest)
        leader_span = (datetime.date(max(earliest, 1950), 1, 1).toordinal(), leader_latest)
        taken: set[tuple[str, int]] = set()
        first_id, organization_id = organization.first_member_id, organization.id
        for offset, post in enumerate(posts_for(organization.kind, organization.member_count)):
            gender = Gender.FEMALE if draw() < female_share else Gender.MALE
            ethnicity = ethnicities[bisect.bisect(cumulative, draw() * cumulative[-1])]
            name = member_name(rng, ethnicity, gender)
            low, high = retired_span if retired else member_span if post == Post.MEMBER else leader_span
            birth = low + int(draw() * (high - low + 1))
            while (name, birth) in taken:
                birth = low + int(draw() * (high - low + 1))
            taken.add((name, birth))
            birth_date = datetime.date.fromordinal(birth)
            probationary = post == Post.MEMBER and not retired and birth_date.year >= 1975 and draw() < 0.15
            if probationary:
                joined = last_year + int(draw() * (before - last_year))
            else:
                latest = min(birth + DAYS_45_YEARS, last_year - 1)
                joined = birth + DAYS_18_YEARS + int(draw() * (latest - birth - DAYS_18_YEARS + 1))
            phone = ""
            if draw() < (0.85 if post != Post.MEMBER else 0.65):
                phone = f"{PHONE_PREFIXES[int(draw() * len(PHONE_PREFIXES))]}{int(draw() * 1e8):08d}"
            yield (
                first_id + offset,
                organization_id,
                name,
                gender,
                ethnicity,
                birth_date,
                datetime.date.fromordinal(joined),
                MemberStatus.PROBATIONARY if probationary else MemberStatus.FULL,
                post,
                phone,
                "",
            )


# ---------------------------------------------------------------------------
# Evaluation rounds and their forms
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class PlannedRound:
    id: int
    organization: PlannedOrganization
    period: int  # index into the campaign's half-years
    subject_members: list[int]  # member ids evaluated besides the organization
    first_subject_id: int = 0
    closes_at: datetime.datetime | None = None
    forms: int = 0
    forms_by_category: dict[str, int] = field(default_factory=dict)
    codes_by_category: dict[str, int] = field(default_factory=dict)

    @property
    def subject_count(self) -> int:
        return 1 + len(self.subject_members)


def plan_forms(rounds: list[PlannedRound], votes: int, rng: random.Random) -> None:
    """Give the rounds forms so that their votes (forms × subjects) add up to exactly
    ``votes``, spread unevenly as real turnouts are; then split each round's forms over
    the evaluator categories and decide how many codes each category was handed."""
    if votes and not rounds:
        raise PlanError("there are votes to cast but no evaluation round")
    if not rounds:
        return
    sizes = [evaluation_round.subject_count for evaluation_round in rounds]
    if votes % math.gcd(*sizes):
        # One member missed the last meeting: one subject fewer makes the sizes coprime.
        last = next(evaluation_round for evaluation_round in reversed(rounds) if evaluation_round.subject_members)
        last.subject_members.pop()
        sizes = [evaluation_round.subject_count for evaluation_round in rounds]
    targets = apportion(votes, [rng.uniform(0.6, 1.4) for _ in rounds])
    forms = [target // size for target, size in zip(targets, sizes, strict=True)]
    _make_exact(forms, sizes, votes)
    limit = MAX_FORMS_PER_CATEGORY * len(CATEGORY_WEIGHTS)
    for evaluation_round, count in zip(rounds, forms, strict=True):
        evaluation_round.forms = count
        weights = [weight * rng.uniform(0.8, 1.2) for weight in CATEGORY_WEIGHTS.values()]
        split = dict(zip(CATEGORY_WEIGHTS, apportion(count, weights), strict=True))
        if count > limit or max(split.values()) > MAX_FORMS_PER_CATEGORY:
            raise PlanError(
                f"{votes} votes need {count} forms in one round, more than its codes allow: "
                "ask for more organizations or fewer votes"
            )
        evaluation_round.forms_by_category = split
        evaluation_round.codes_by_category = {
            category: min(MAX_CODES_PER_CATEGORY, math.ceil(cast / rng.uniform(LOWEST_TURNOUT, 0.98)))
            for category, cast in split.items()
        }


def _make_exact(forms: list[int], sizes: list[int], votes: int) -> None:
    """Add forms until forms × sizes sums to ``votes`` exactly. The sizes have no common
    divisor, so any rest above the largest size squared can be made of them: forms are
    first taken away round by round until the rest is that large."""
    values = sorted(set(sizes))
    index = 0
    while votes - sum(count * size for count, size in zip(forms, sizes, strict=True)) <= values[-1] ** 2:
        if not any(forms):
            break
        if forms[index % len(forms)]:
            forms[index % len(forms)] -= 1
        index += 1
    coins = _change(votes - sum(count * size for count, size in zip(forms, sizes, strict=True)), values)
    if coins is None:
        raise PlanError(f"{votes} votes cannot be cast as whole forms over these rounds")
    rounds_by_size: dict[int, list[int]] = {}
    for position, size in enumerate(sizes):
        rounds_by_size.setdefault(size, []).append(position)
    for turn, size in enumerate(coins):
        candidates = rounds_by_size[size]
        forms[candidates[turn % len(candidates)]] += 1


def _change(amount: int, values: list[int]) -> list[int] | None:
    """Values (repeats allowed) summing to ``amount``, fewest first; None if impossible."""
    if amount < 0:
        return None
    best: list[int | None] = [0] + [None] * amount
    last: list[int] = [0] * (amount + 1)
    for total in range(1, amount + 1):
        for value in values:
            if value <= total and best[total - value] is not None:
                candidate = best[total - value] + 1
                if best[total] is None or candidate < best[total]:
                    best[total], last[total] = candidate, value
    if best[amount] is None:
        return None
    coins = []
    while amount:
        coins.append(last[amount])
        amount -= last[amount]
    return coins


def subject_share(rng: random.Random) -> float:
    """How likely an evaluator is satisfied with one subject: mostly well above 90%,
    a few below it (see campaign.devdata.scale's choice draw for what that makes of the rate)."""
    return 0.995 - 0.13 * rng.random() ** 1.5


def paper_counts(share: float, forms: int, rng: random.Random) -> dict[str, int]:
    """One subject's choices on ``forms`` paper forms, drawn as the online ones are."""
    counts = {"satisfied": 0, "basically": 0, "dissatisfied": 0, "unknown": 0}
    for _ in range(forms):
        counts[choice_for(share, rng.random())] += 1
    return counts


def choice_for(share: float, draw: float) -> str:
    """The rule the SQL applies to every online vote, for the paper ones."""
    if draw < share * 0.75:
        return "satisfied"
    if draw < share:
        return "basically"
    if draw < share + (1 - share) * 0.8:
        return "dissatisfied"
    return "unknown"


# Unique evaluation codes without retries: a random head and a tail that encodes the
# code's number, scrambled by a multiplier prime to the tail's range (a bijection).
CODE_TAIL_LENGTH = 6
CODE_TAIL_RANGE = len(CODE_ALPHABET) ** CODE_TAIL_LENGTH
CODE_SCRAMBLE = 48_271
