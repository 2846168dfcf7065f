"""The roster holds all the staff of a unit: 政治面貌 tells party members from the others,
入党日期 belongs to party members only, and files of the party-member era still import."""

import datetime
import io

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from orgs.models import Member, MemberStatus, Post
from orgs.roster.exporting import export_members
from orgs.roster.format import ImportKind, read_roster_file
from orgs.roster.services import roster_import_members
from orgs.sheets.reading import ImportFileError
from orgs.tests.factories import make_member, make_staff
from orgs.tests.rosters import MEMBER_HEADER, member_row, snapshot, xlsx_bytes

HEADER = ["姓名", "性别", "出生日期", "政治面貌", "入党日期", "职务", "工作岗位", "所在组织编码"]


def read(header, rows):
    return read_roster_file(io.BytesIO(xlsx_bytes(header, rows)), kind=ImportKind.MEMBERS, extension=".xlsx")


def staff_row(organization, name, status, joined="", *, post="", job="", birth="1985-03-04"):
    return [name, "女", birth, status, joined, post, job, organization.code]


def errors_by_row(result):
    found = {}
    for error in result.errors:
        found.setdefault(error.row, []).append(error.message)
    return found


def test_a_file_mixing_party_members_and_other_staff_imports_each_as_what_they_are(county):
    branch = county.branch_a2
    rows = read(
        HEADER,
        [
            staff_row(branch, "马主任", "中共党员", "2005-07-01", post="书记", job="主任医师"),
            staff_row(branch, "牛护士", "群众", job="护士长"),
            staff_row(branch, "杨医生", "共青团员", job="住院医师", birth="1998-09-09"),
            staff_row(branch, "朱委员", "民主党派成员", job="主治医师"),
            staff_row(branch, "吴老师", "无党派人士"),
            staff_row(branch, "侯预备", "预备党员", "2024-01-01", job="护士"),
        ],
    )

    result = roster_import_members(rows=rows, by=county.office)

    assert result.ok, result.errors
    assert result.created == 6
    people = {member.name: member for member in Member.objects.filter(organization=branch)}
    assert people["马主任"].is_party_member and people["马主任"].post == Post.SECRETARY
    assert people["马主任"].job_title == "主任医师"
    assert people["牛护士"].status == MemberStatus.MASSES and people["牛护士"].joined_date is None
    assert not people["牛护士"].is_party_member and people["牛护士"].job_title == "护士长"
    assert people["杨医生"].status == MemberStatus.LEAGUE
    assert people["朱委员"].status == MemberStatus.DEMOCRATIC_PARTY
    assert people["吴老师"].status == MemberStatus.NONPARTISAN
    assert people["侯预备"].status == MemberStatus.PROBATIONARY and people["侯预备"].is_party_member


def test_an_old_file_with_the_party_status_column_still_imports_as_party_members(county):
    rows = read(
        MEMBER_HEADER,
        [
            member_row(county.branch_a2, "老甲", status="正式党员"),
            member_row(county.branch_a2, "老乙", status="预备党员", joined="2023-07-01"),
            member_row(county.branch_a2, "老丙", status=""),
        ],
    )

    result = roster_import_members(rows=rows, by=county.office)

    assert result.ok, result.errors
    statuses = dict(Member.objects.filter(organization=county.branch_a2).values_list("name", "status"))
    assert statuses["老甲"] == MemberStatus.FULL
    assert statuses["老乙"] == MemberStatus.PROBATIONARY
    assert statuses["老丙"] == MemberStatus.FULL


def test_a_file_with_no_status_column_means_party_members_who_need_a_joined_date(county):
    header = ["姓名", "性别", "出生日期", "入党日期", "所在组织编码"]
    rows = read(header, [["党员甲", "男", "1970-01-01", "1995-07-01", county.branch_a2.code]])
    assert roster_import_members(rows=rows, by=county.office).ok
    assert Member.objects.get(name="党员甲").status == MemberStatus.FULL

    rows = read(header, [["没日期", "男", "1970-01-01", "", county.branch_a2.code]])
    result = roster_import_members(rows=rows, by=county.office, dry_run=True)
    assert "没有填写政治面貌的按中共党员登记，须填写入党日期" in errors_by_row(result)[2][0]


def test_a_new_file_without_the_joined_date_column_imports_staff_outside_the_party(county):
    header = ["姓名", "性别", "出生日期", "政治面貌", "工作岗位", "所在组织编码"]
    rows = read(header, [["路政甲", "男", "1980-02-02", "群众", "路政员", county.branch_b1.code]])

    result = roster_import_members(rows=rows, by=county.office)

    assert result.ok, result.errors
    assert Member.objects.get(name="路政甲").job_title == "路政员"


def test_party_status_and_joined_date_are_checked_row_by_row(county):
    branch = county.branch_a2
    rows = read(
        HEADER,
        [
            staff_row(branch, "群众有日期", "群众", "2001-07-01"),  # row 2
            staff_row(branch, "党员没日期", "中共党员"),  # 3
            staff_row(branch, "团员当书记", "共青团员", post="书记"),  # 4
            staff_row(branch, "好人", "群众"),  # 5: fine, but the file has errors
        ],
    )
    before = snapshot()

    result = roster_import_members(rows=rows, by=county.office)

    errors = errors_by_row(result)
    assert set(errors) == {2, 3, 4}
    assert "政治面貌是“群众”，不应填写入党日期" in errors[2][0]
    assert "政治面貌是“中共党员”，须填写入党日期" in errors[3][0]
    assert "不能担任党内职务“书记”" in errors[4][0]
    assert not result.written and snapshot() == before


def test_a_stored_status_decides_when_the_file_leaves_it_empty(county):
    make_staff(county.branch_a2, "老群众", birth=datetime.date(1980, 1, 1))
    rows = read(HEADER, [staff_row(county.branch_a2, "老群众", "", "2001-07-01", birth="1980-01-01")])

    result = roster_import_members(rows=rows, by=county.office, dry_run=True)

    assert "政治面貌是“群众”，不应填写入党日期" in errors_by_row(result)[2][0]


def test_joining_or_leaving_the_party_moves_the_joined_date_with_the_status(county):
    staff = make_staff(county.branch_a2, "入党者", birth=datetime.date(1990, 1, 1))
    rows = read(HEADER, [staff_row(county.branch_a2, "入党者", "中共预备党员", "2024-07-01", birth="1990-01-01")])
    result = roster_import_members(rows=rows, by=county.office)
    assert result.ok, result.errors and result.updated == 1
    staff.refresh_from_db()
    assert staff.status == MemberStatus.PROBATIONARY and staff.joined_date == datetime.date(2024, 7, 1)
    assert any("入党日期：（空） → 2024-07-01" in detail for detail in result.changes[0].details)

    # The county's own data: a member who leaves is recorded as 群众 and loses the date.
    rows = read(HEADER, [staff_row(county.branch_a2, "入党者", "群众", birth="1990-01-01")])
    assert roster_import_members(rows=rows, by=county.office).ok
    staff.refresh_from_db()
    assert staff.status == MemberStatus.MASSES and staff.joined_date is None


def test_both_the_new_and_the_old_status_header_in_one_file_is_refused(county):
    header = ["姓名", "性别", "出生日期", "入党日期", "政治面貌", "党员状态", "所在组织编码"]
    with pytest.raises(ImportFileError, match="“政治面貌”和“党员状态”是同一列"):
        read(header, [["甲", "男", "1970-01-01", "1995-07-01", "中共党员", "正式党员", county.branch_a2.code]])


def test_an_export_with_staff_outside_the_party_reimports_with_no_change(county):
    make_staff(county.branch_a1, "牛护士", job_title="护士长", birth=datetime.date(1990, 2, 2))
    make_staff(county.branch_a1, "杨团员", status=MemberStatus.LEAGUE, birth=datetime.date(2001, 2, 2))
    content = export_members(by=county.office)
    before = snapshot()

    rows = read_roster_file(io.BytesIO(content), kind=ImportKind.MEMBERS, extension=".xlsx")
    result = roster_import_members(rows=rows, by=county.office)

    assert result.ok, result.errors
    assert (result.created, result.updated) == (0, 0)
    assert snapshot() == before


def test_the_database_refuses_a_joined_date_outside_the_party_and_a_party_member_without_one(county):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_member(county.branch_a2, "群众", status=MemberStatus.MASSES)  # the factory's joined date
    with pytest.raises(IntegrityError), transaction.atomic():
        make_member(county.branch_a2, "没日期", joined_date=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_staff(county.branch_a2, "群众书记", post=Post.SECRETARY)


def test_the_roster_page_shows_and_filters_by_political_status(client, county):
    make_staff(county.branch_a1, "牛护士", job_title="护士长")
    client.force_login(county.secretary_user_a1)
    url = reverse("orgs:organization", args=[county.branch_a1.code])

    everyone = client.get(url).content.decode()
    assert "牛护士" in everyone and "护士长" in everyone and "钟建军" in everyone
    assert "政治面貌" in everyone and "群众" in everyone

    party = client.get(url, {"status": "party"}).content.decode()
    assert "钟建军" in party and "牛护士" not in party

    others = client.get(url, {"status": "others"}).content.decode()
    assert "牛护士" in others and "钟建军" not in others


def test_the_member_page_of_staff_outside_the_party_shows_the_job_not_a_party_post(client, county):
    nurse = make_staff(county.branch_a1, "牛护士", job_title="护士长")
    client.force_login(county.secretary_user_a1)

    page = client.get(nurse.get_absolute_url()).content.decode()

    assert "护士长" in page and "群众" in page
    assert "入党日期" not in page and "党内职务" not in page
