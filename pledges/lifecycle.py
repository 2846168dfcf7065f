"""The life cycle of a pledge: one table of allowed transitions, and the services that
move a pledge along it.

draft → submitted → approved → published → in progress → assessed
              ↘ returned (with a reason) → submitted again
submitted → draft again when the pledger withdraws it before the decision
published / in progress → draft again to revise; the next publication is a new version.

Every transition is one conditional UPDATE on the expected states, so two people
clicking at once cannot both succeed.
"""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgs.access import user_scope
from orgs.models import Organization, Role, User
from pledges.models import (
    Opinion,
    Pledge,
    PledgeItem,
    PledgeKind,
    PledgeState,
    PledgeVersion,
    PublicationChannel,
)

State = PledgeState
FILING_ROLES = {Role.OFFICE, Role.LEADER, Role.SECRETARY}
DECIDING_ROLES = {Role.OFFICE, Role.LEADER, Role.SECRETARY}


def may_file(user: User, pledge: Pledge) -> bool:
    """The pledger's side: the member for their own pledge; for any pledge, an
    office, leader or secretary who may change the pledging organization."""
    if pledge.member_id and pledge.member_id == user.member_id:
        return True
    if not (user.is_superuser or user.role in FILING_ROLES):
        return False
    return user_scope(user).can_change(pledge.organization)


def may_file_for(user: User, organization: Organization, member=None) -> bool:
    """Whether the user may start a pledge for the organization (or one of its members)."""
    return may_file(user, Pledge(organization=organization, member=member))


def is_superior(user: User, pledge: Pledge) -> bool:
    """Whether the user stands above the pledger in the tree: a member's pledge is
    decided by the branch or above, an organization's by an organization above it.
    Nobody stands above their own member pledge."""
    if pledge.member_id and pledge.member_id == user.member_id:
        return False
    if user.is_superuser:
        return True
    if user.role not in DECIDING_ROLES or user.organization_id is None:
        return False
    if not user_scope(user).can_change(pledge.organization):
        return False
    anchor = user.organization
    if pledge.member_id:
        return pledge.organization.is_within(anchor)
    return pledge.organization.is_within(anchor) and pledge.organization_id != anchor.pk


def may_decide(user: User, pledge: Pledge) -> bool:
    """The superior's side (approve, return, assess). Nobody decides on a pledge they
    made or submitted themselves."""
    if pledge.submitted_by_id and pledge.submitted_by_id == user.pk:
        return False
    return is_superior(user, pledge)


def may_withdraw(user: User, pledge: Pledge) -> bool:
    """The pledger's side takes a submission back; a superior who may decide on it
    returns it with a reason instead, so the pledger learns why."""
    return may_file(user, pledge) and not may_decide(user, pledge)


def may_see_history(user: User, pledge: Pledge) -> bool:
    """Who changed what is for the approver's side and the office, not for the pledger."""
    if user.is_superuser:
        return True
    if user.role == Role.OFFICE and user_scope(user).contains(pledge.organization):
        return True
    return is_superior(user, pledge)


def awaiting_decision(user: User, pledges: QuerySet[Pledge]) -> QuerySet[Pledge]:
    """The submitted pledges among ``pledges`` that the user may decide on: may_decide
    as a query, for the "pending my approval" list."""
    pending = pledges.filter(state=State.SUBMITTED).exclude(submitted_by=user)
    if user.member_id:
        pending = pending.exclude(member_id=user.member_id)
    if user.is_superuser:
        return pending
    if user.role not in DECIDING_ROLES or user.organization_id is None or not user_scope(user).writable:
        return pending.none()
    anchor = user.organization
    return pending.filter(organization__path__startswith=anchor.path).exclude(
        member__isnull=True, organization_id=anchor.pk
    )


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    allowed: Callable[[User, Pledge], bool]
    label: str


TRANSITIONS: dict[str, Transition] = {
    "submit": Transition(frozenset({State.DRAFT, State.RETURNED}), State.SUBMITTED, may_file, gettext_lazy("提交审核")),
    "approve": Transition(frozenset({State.SUBMITTED}), State.APPROVED, may_decide, gettext_lazy("审核通过")),
    "return": Transition(frozenset({State.SUBMITTED}), State.RETURNED, may_decide, gettext_lazy("退回修改")),
    # The pledger takes a submission back while nobody has decided on it yet.
    "withdraw": Transition(frozenset({State.SUBMITTED}), State.DRAFT, may_withdraw, gettext_lazy("撤回提交")),
    "publish": Transition(frozenset({State.APPROVED}), State.PUBLISHED, may_file, gettext_lazy("公示")),
    "start": Transition(frozenset({State.PUBLISHED}), State.IN_PROGRESS, may_file, gettext_lazy("开始践诺")),
    "revise": Transition(
        frozenset({State.PUBLISHED, State.IN_PROGRESS}), State.DRAFT, may_file, gettext_lazy("修改承诺")
    ),
    "assess": Transition(
        frozenset({State.PUBLISHED, State.IN_PROGRESS}), State.ASSESSED, may_decide, gettext_lazy("评定兑现情况")
    ),
}
EDITABLE_STATES = frozenset({State.DRAFT, State.RETURNED})


class TransitionRefused(ValidationError):
    """A transition that the pledge's state does not allow (a 400/409, not a 403)."""


def allowed_actions(*, pledge: Pledge, user: User) -> list[str]:
    """The transitions this user may apply to the pledge now, for the buttons on its page."""
    return [
        name
        for name, transition in TRANSITIONS.items()
        if name != "start" and pledge.state in transition.sources and transition.allowed(user, pledge)
    ]


def may_edit(*, pledge: Pledge, user: User) -> bool:
    return pledge.state in EDITABLE_STATES and may_file(user, pledge)


def require_editable(*, pledge: Pledge, user: User) -> None:
    if not may_file(user, pledge):
        raise PermissionDenied(_("您无权修改这份承诺。"))
    if pledge.state not in EDITABLE_STATES:
        raise TransitionRefused(_("承诺已提交或已公示，不能直接修改；已公示的承诺请先点“修改承诺”生成新版本。"))


def apply_transition(pledge: Pledge, name: str, by: User, **fields) -> Pledge:
    """Move the pledge along one transition of TRANSITIONS, setting ``fields``, for the
    services here and in pledges.assessment."""
    transition = TRANSITIONS[name]
    if not transition.allowed(by, pledge):
        raise PermissionDenied(_("您无权对这份承诺执行“%(action)s”。") % {"action": transition.label})
    if pledge.state not in transition.sources:
        raise TransitionRefused(
            _("承诺当前状态为“%(state)s”，不能“%(action)s”。")
            % {"state": pledge.get_state_display(), "action": transition.label}
        )
    updated = Pledge.objects.filter(pk=pledge.pk, state__in=transition.sources).update(
        state=transition.target, updated_at=timezone.now(), **fields
    )
    if updated != 1:
        raise TransitionRefused(_("承诺状态刚被他人改变，请刷新页面后再试。"))
    pledge.refresh_from_db()
    # QuerySet.update() bypasses save(), so record the history row here, with who did
    # it even when no request is around (a task, a command, a test).
    pledge._history_user = by
    pledge.save(update_fields=["updated_at"])
    return pledge


@transaction.atomic
def pledge_submit(*, pledge: Pledge, by: User) -> Pledge:
    if not pledge.items.exists():
        raise TransitionRefused(_("承诺至少要有一项具体事项才能提交。"))
    return apply_transition(pledge, "submit", by, submitted_at=timezone.now(), submitted_by=by, return_reason="")


@transaction.atomic
def pledge_approve(*, pledge: Pledge, by: User) -> Pledge:
    return apply_transition(pledge, "approve", by, decided_at=timezone.now(), decided_by=by)


@transaction.atomic
def pledge_return(*, pledge: Pledge, by: User, reason: str) -> Pledge:
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("退回时请写明理由，方便对方修改。"))
    return apply_transition(pledge, "return", by, decided_at=timezone.now(), decided_by=by, return_reason=reason)


@transaction.atomic
def pledge_withdraw(*, pledge: Pledge, by: User) -> Pledge:
    """Take a submitted pledge back to draft before the superior decides; it leaves
    the approver's list. If the decision came first, say so plainly."""
    try:
        return apply_transition(pledge, "withdraw", by, submitted_at=None, submitted_by=None)
    except TransitionRefused:
        state = Pledge.objects.filter(pk=pledge.pk).values_list("state", flat=True).first()
        if state in (State.APPROVED, State.PUBLISHED, State.IN_PROGRESS, State.ASSESSED):
            raise TransitionRefused(_("上级党组织已审核通过这份承诺，不能再撤回。")) from None
        if state == State.RETURNED:
            raise TransitionRefused(_("这份承诺已被退回，可以直接修改后重新提交，无需撤回。")) from None
        raise


@transaction.atomic
def pledge_publish(*, pledge: Pledge, by: User, channel: str, published_on: datetime.date) -> Pledge:
    if channel not in PublicationChannel.values:
        raise ValidationError(_("请选择公示方式。"))
    if published_on > timezone.localdate():
        raise ValidationError(_("公示日期不能晚于今天。"))
    number = pledge.published_version + 1
    pledge = apply_transition(
        pledge, "publish", by, published_on=published_on, publication_channel=channel, published_version=number
    )
    PledgeVersion.objects.create(
        pledge=pledge,
        number=number,
        content=pledge_content(pledge),
        published_on=published_on,
        publication_channel=channel,
        published_by=by,
    )
    return pledge


@transaction.atomic
def pledge_start(*, pledge: Pledge, by: User) -> Pledge:
    """Called when the first progress is recorded on a published pledge."""
    return apply_transition(pledge, "start", by)


@transaction.atomic
def pledge_revise(*, pledge: Pledge, by: User) -> Pledge:
    """Open a new working version; the published one stays on the notice board."""
    return apply_transition(pledge, "revise", by, decided_at=None, decided_by=None, return_reason="")


# Assessing (评定兑现情况) is pledges.assessment.pledge_assess: it also opens what the grade
# leads to, and lives there because that needs pledges.rectification, which imports this.


def pledge_content(pledge: Pledge) -> dict:
    """The pledge's working content as plain data, as frozen into a version. Runs two queries."""
    return version_content(
        pledge=pledge, opinions=pledge.opinions.all(), items=pledge.items.select_related("dimension")
    )


def version_content(*, pledge: Pledge, opinions: Iterable[Opinion], items: Iterable[PledgeItem]) -> dict:
    """What a published version freezes of the pledge, from its opinions and items as
    given: pass them in their own order (opinions by date, items by their order), as
    pledge_content reads them. Runs no query when each item's dimension is loaded."""
    return {
        "title": pledge.title,
        "kind": pledge.kind,
        "opinions": [
            {"solicited_on": opinion.solicited_on.isoformat(), "method": opinion.method, "summary": opinion.summary}
            for opinion in opinions
        ],
        "items": [
            {
                "id": item.pk,
                "target": item.target,
                "work": item.work,
                "practical_things": item.practical_things,
                "dimension": item.dimension.name if item.dimension else "",
                "due_date": item.due_date.isoformat() if item.due_date else "",
                "measurable_result": item.measurable_result,
            }
            for item in items
        ],
    }


# ---------------------------------------------------------------------------
# Versions: what changed between two published contents
# ---------------------------------------------------------------------------

ITEM_FIELDS = ["target", "work", "practical_things", "dimension", "due_date", "measurable_result"]


@dataclass(frozen=True)
class TextChange:
    """One field that differs, with the text cut into kept, deleted and inserted runs."""

    label: str
    old: str
    new: str
    segments: list[tuple[str, str]]


@dataclass(frozen=True)
class ItemChange:
    status: str  # "added", "removed", "changed" or "same"
    item: dict  # the item as in the newer content (the older one if removed)
    changes: list[TextChange]


@dataclass(frozen=True)
class ContentDiff:
    fields: list[TextChange]
    opinions_added: list[dict]
    opinions_removed: list[dict]
    items: list[ItemChange]

    @property
    def changed(self) -> bool:
        return bool(
            self.fields
            or self.opinions_added
            or self.opinions_removed
            or any(item.status != "same" for item in self.items)
        )

    @property
    def unchanged_items(self) -> int:
        return sum(1 for item in self.items if item.status == "same")


def text_segments(old: str, new: str) -> list[tuple[str, str]]:
    """Character by character, which suits Chinese text with no spaces between words."""
    segments = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(("equal", old[i1:i2]))
            continue
        if i2 > i1:
            segments.append(("delete", old[i1:i2]))
        if j2 > j1:
            segments.append(("insert", new[j1:j2]))
    return segments


def _change(label, old: str, new: str) -> TextChange | None:
    if old == new:
        return None
    return TextChange(label=str(label), old=old, new=new, segments=text_segments(old, new))


def _opinion_key(opinion: dict) -> tuple:
    return (opinion["solicited_on"], opinion["method"], opinion["summary"])


def content_diff(old: dict, new: dict) -> ContentDiff:
    """Field by field and item by item; items are matched by their id, so an item whose
    text was edited shows as changed, not as one removed and one added."""
    kinds = dict(PledgeKind.choices)
    fields = [
        change
        for change in (
            _change(Pledge._meta.get_field("title").verbose_name, old["title"], new["title"]),
            _change(
                Pledge._meta.get_field("kind").verbose_name,
                str(kinds.get(old["kind"], old["kind"])),
                str(kinds.get(new["kind"], new["kind"])),
            ),
        )
        if change
    ]
    old_opinions = {_opinion_key(opinion) for opinion in old["opinions"]}
    new_opinions = {_opinion_key(opinion) for opinion in new["opinions"]}
    old_items = {item["id"]: item for item in old["items"]}
    new_ids = {item["id"] for item in new["items"]}
    items = []
    for item in new["items"]:
        before = old_items.get(item["id"])
        if before is None:
            items.append(ItemChange("added", item, []))
            continue
        changes = [
            change
            for name in ITEM_FIELDS
            if (
                change := _change(
                    PledgeItem._meta.get_field(name).verbose_name, before.get(name, ""), item.get(name, "")
                )
            )
        ]
        items.append(ItemChange("changed" if changes else "same", item, changes))
    items += [ItemChange("removed", item, []) for item in old["items"] if item["id"] not in new_ids]
    return ContentDiff(
        fields=fields,
        opinions_added=[opinion for opinion in new["opinions"] if _opinion_key(opinion) not in old_opinions],
        opinions_removed=[opinion for opinion in old["opinions"] if _opinion_key(opinion) not in new_opinions],
        items=items,
    )
