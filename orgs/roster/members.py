"""Importing the roster of a unit's staff (party members and others, told apart by 政治面貌):
the same organization, name and birth date mean the same person, and only people whose
data differ are written. Their organization must already exist (organizations come first,
in their own file). A file of the party-member era (党员状态, no 政治面貌) still imports:
its rows are party members."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from orgs.models import Member, MemberStatus, Organization, Post
from orgs.roster.format import ImportKind, SheetRow
from orgs.roster.importing import BATCH_SIZE, RosterImport, RowReader, by_codes, change_text, chunks
from orgs.scoping import scope_activated
from orgs.sheets.cells import cell_text

_PHONE = re.compile(r"^[0-9+\-() ]+$")
_CJK_SPACED = re.compile(r"^[\u3400-\u9fff\s]+$")
_ID_NUMBER = re.compile(r"^\d{17}[\dX]$")

MEMBER_FIELDS = ("gender", "ethnicity", "joined_date", "status", "post", "job_title", "phone")


def person_name(value: Any) -> str:
    text = cell_text(value)
    # Rosters pad two-character names to line them up ("王　五"); the key must not depend on it.
    if _CJK_SPACED.match(text):
        text = re.sub(r"\s+", "", text)
    return text


def id_number(value: Any) -> str:
    """An ID number as offices type it: a lower-case x, spaces between the groups."""
    return re.sub(r"\s+", "", cell_text(value)).upper()


@dataclass
class MemberRow:
    """One member as the file gives it. The optional fields are None when the column
    is missing or the cell is empty: new members then get the default, existing ones
    keep what is stored, so a short file never wipes data."""

    row: int
    name: str | None
    gender: str | None
    birth_date: datetime.date | None
    joined_date: datetime.date | None
    organization_code: str | None
    ethnicity: str | None
    status: str | None
    post: str | None
    phone: str | None
    job_title: str | None = None
    id_number: str | None = None  # checked within the file, never stored
    valid: bool = True


class MemberImport(RosterImport[MemberRow]):
    kind = ImportKind.MEMBERS
    # Set by check and written by write_rows.
    creates: list[Member]
    updates: list[Member]
    changed_fields: set[str]

    def read(self, row: SheetRow) -> MemberRow:
        choices = self.choices
        cells = RowReader(self.result, row)
        member = MemberRow(
            row=row.number,
            name=cells.text("name", "姓名", max_length=50, clean=person_name),
            gender=cells.choice("gender", choices.gender),
            ethnicity=cells.text("ethnicity", "民族", max_length=20, required=False),
            birth_date=cells.date("birth_date", "出生日期"),
            # Required of party members only, which _party_problem checks with the stored status.
            joined_date=cells.date("joined_date", "入党日期", required=False),
            status=cells.choice("status", choices.status, required=False),
            post=cells.choice("post", choices.post, required=False),
            organization_code=cells.text("organization_code", "所在组织编码", max_length=32),
            phone=cells.text("phone", "联系电话", max_length=20, required=False),
            job_title=cells.text("job_title", "工作岗位", max_length=50, required=False),
            id_number=cells.text("id_number", "身份证号", max_length=18, required=False, clean=id_number),
        )
        if member.id_number and isinstance(row.values.get("id_number"), int | float):
            # Excel keeps 15 digits of a number: an 18-digit ID typed as one has lost its last digits.
            cells.error(
                _("身份证号“%(value)s”被 Excel 存成了数字，后几位已经丢失。请把这一列设为“文本”格式后重新填写。")
                % {"value": member.id_number},
                "身份证号",
            )
            member.id_number = None
        elif member.id_number and not _ID_NUMBER.match(member.id_number):
            cells.error(
                _("身份证号“%(value)s”格式不对，应为18位（最后一位可以是X）。") % {"value": member.id_number},
                "身份证号",
            )
        if member.phone and not _PHONE.match(member.phone):
            cells.error(
                _("联系电话“%(value)s”格式不对，只能有数字、空格、“-”和“+”。") % {"value": member.phone}, "联系电话"
            )
        if member.birth_date and member.joined_date and member.joined_date <= member.birth_date:
            cells.error(_("入党日期必须晚于出生日期。"), "入党日期")
        member.valid = not cells.failed
        return member

    def check(self, items: list[MemberRow]) -> None:
        self.first_rows(
            items,
            key=lambda item: item.id_number or None,
            duplicate=lambda item, first: (
                _("第%(row)s行与第%(first)s行的身份证号相同（%(number)s），同一个人只能登记一次，请核对后删去一行。")
                % {"row": item.row, "first": first.row, "number": item.id_number}
            ),
            column="身份证号",
        )
        usable = self._usable_organizations(items)
        keyed = self.first_rows(
            items,
            key=lambda item: (
                (usable[item.organization_code].pk, item.name, item.birth_date)
                if item.valid and item.organization_code in usable
                else None
            ),
            duplicate=lambda item, first: (
                _("与第%(first)s行是同一个人（所在组织、姓名、出生日期都相同）。") % {"first": first.row}
            ),
            column="姓名",
        )
        stored: dict[tuple, Member] = {}
        with scope_activated(self.scope):
            for chunk in chunks(sorted({key[0] for key in keyed})):
                for member in Member.objects.filter(organization_id__in=chunk).order_by():
                    stored.setdefault((member.organization_id, person_name(member.name), member.birth_date), member)
        self._plan(keyed, usable, stored)

    def _usable_organizations(self, items: list[MemberRow]) -> dict[str, Organization]:
        """The organizations the rows name that may take members, by code; a row naming
        any other is an error."""
        with self.across_the_tree():
            organizations = by_codes({item.organization_code for item in items if item.organization_code})
        usable: dict[str, Organization] = {}
        for item in items:
            code = item.organization_code
            if code is None or code in usable:
                continue
            organization = organizations.get(code)
            if organization is None:
                message = _("所在组织编码“%(code)s”在系统中找不到，请先导入组织。") % {"code": code}
            elif not self.scope.can_change(organization):
                message = _("所在组织“%(name)s”不在您的管理范围内。") % {"name": organization.name}
            elif organization.is_mass_organization:
                message = _("“%(name)s”是群团组织，人员应登记在党组织中。") % {"name": organization.name}
            else:
                usable[code] = organization
                continue
            self.result.add_error(item.row, message, "所在组织编码")
            item.valid = False
        return usable

    def _plan(self, keyed: dict, usable: dict[str, Organization], stored: dict[tuple, Member]) -> None:
        """The members to create and update, each noted for the preview."""
        choices = self.choices
        self.creates, self.updates, self.changed_fields = [], [], set()
        labels = {"gender": choices.gender.labels, "status": choices.status.labels, "post": choices.post.labels}
        for key, item in keyed.items():
            organization = usable[item.organization_code]
            member = stored.get(key)
            problem = self._party_problem(item, member)
            if problem is not None:
                message, column = problem
                self.result.add_error(item.row, message, column)
                continue
            if member is None:
                member = Member(
                    organization=organization,
                    name=item.name,
                    gender=item.gender,
                    birth_date=item.birth_date,
                    joined_date=item.joined_date,
                )
                for name in ("ethnicity", "status", "post", "job_title", "phone"):
                    if getattr(item, name) is not None:
                        setattr(member, name, getattr(item, name))
                self.creates.append(member)
                details = [
                    choices.gender.labels[member.gender],
                    member.ethnicity,
                    member.birth_date.isoformat(),
                    choices.status.labels[member.status],
                ]
                if member.is_party_member:
                    details.append(choices.post.labels[member.post])
                if member.job_title:
                    details.append(member.job_title)
                self.note(item.row, created=True, subject=f"{item.name}（{organization.name}）", details=details)
                continue
            wanted = {name: getattr(item, name) for name in MEMBER_FIELDS if getattr(item, name) is not None}
            if wanted.get("status", member.status) not in MemberStatus.party():
                # Outside the party there is no joined date: one who left the party loses it.
                wanted["joined_date"] = None
            changed = [name for name, value in wanted.items() if value != getattr(member, name)]
            if not changed:
                self.result.unchanged += 1
                continue
            self.note(
                item.row,
                created=False,
                subject=f"{item.name}（{organization.name}）",
                details=(
                    change_text(Member, name, getattr(member, name), getattr(item, name), labels.get(name))
                    for name in changed
                ),
            )
            for name in changed:
                setattr(member, name, wanted[name])
            self.changed_fields.update(changed)
            self.updates.append(member)
        self.result.created = len(self.creates)
        self.result.updated = len(self.updates)

    def _party_problem(self, item: MemberRow, member: Member | None) -> tuple[str, str] | None:
        """What the row's 政治面貌 rules out, as (message, column): a party member needs a
        joined date, anyone else has none and holds no party post. A row that leaves the
        status empty keeps the stored one, and a new person's is 中共党员."""
        labels = self.choices.status.labels
        status = item.status or (member.status if member else MemberStatus.FULL)
        if status in MemberStatus.party():
            if item.joined_date is not None:
                return None
            if item.status is None and member is None:
                message = _(
                    "没有填写政治面貌的按中共党员登记，须填写入党日期；"
                    "不是党员的，请在“政治面貌”中填写，如“群众”“共青团员”。"
                )
            else:
                message = _("政治面貌是“%(status)s”，须填写入党日期。") % {"status": labels[status]}
            return message, "入党日期"
        if item.joined_date is not None:
            message = _(
                "政治面貌是“%(status)s”，不应填写入党日期；如果是党员，请把政治面貌改为“中共党员”或“中共预备党员”。"
            ) % {"status": labels[status]}
            return message, "入党日期"
        post = item.post or (member.post if member else Post.MEMBER)
        if post in Post.leadership_team():
            message = _(
                "政治面貌是“%(status)s”，不能担任党内职务“%(post)s”；非党员的“职务”请留空，岗位填在“工作岗位”列。"
            ) % {"status": labels[status], "post": self.choices.post.labels[post]}
            return message, "职务"
        return None

    def write_rows(self) -> None:
        Member.objects.bulk_create(self.creates, batch_size=BATCH_SIZE)
        if self.updates:
            Member.objects.bulk_update(self.updates, sorted(self.changed_fields), batch_size=BATCH_SIZE)
