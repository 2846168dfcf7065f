import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from playwright.sync_api import expect

from orgs.models import Member, MemberStatus, Organization, OrganizationKind, Post, Sector, path_segment
from orgs.roster.format import ImportKind, read_roster_file
from orgs.roster.services import roster_import_members, roster_import_organizations
from orgs.sheets.cells import parse_date
from orgs.sheets.reading import ImportFileError
from orgs.tests.rosters import MEMBER_HEADER, ORG_HEADER, csv_bytes, member_row, snapshot, xlsx_bytes


def read_xlsx(kind, header, rows, **options):
    return read_roster_file(io.BytesIO(xlsx_bytes(header, rows, **options)), kind=kind, extension=".xlsx")


def writes(queries):
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def errors_by_row(result):
    found = {}
    for error in result.errors:
        found.setdefault(error.row, []).append(error.message)
    return found


# --- organizations -----------------------------------------------------------


def test_organization_file_with_bad_rows_writes_nothing_and_names_each_row(county):
    county_code, union_code = county.county.code, county.union_a1.code
    rows = read_xlsx(
        ImportKind.ORGANIZATIONS,
        ORG_HEADER,
        [
            ["N01", "好支部", "党支部", "农牧村", county_code],  # row 2: fine on its own
            ["N02", "无上级", "党支部", "农牧村", "NOPE"],  # 3: unknown parent
            ["N01", "重复的", "党支部", "农牧村", county_code],  # 4: duplicate code
            ["N03", "甲", "党支部", "农牧村", "N04"],  # 5 and 6: a cycle
            ["N04", "乙", "党支部", "农牧村", "N03"],
            ["N05", "工会下的支部", "党支部", "农牧村", union_code],  # 7: mass organization as parent
            ["N06", "孤立的妇联", "妇联", "其他", ""],  # 8: mass organization as root
            ["N07", "怪类别", "党小组", "农牧村", county_code],  # 9: unknown kind
            ["N08", "", "党支部", "农牧村", county_code],  # 10: empty name
            ["N09", "长" * 101, "党支部", "农牧村", county_code],  # 11: name too long
            ["N10", "怪领域", "党支部", "牧业", county_code],  # 12: unknown sector
        ],
    )
    before = snapshot()

    result = roster_import_organizations(rows=rows, by=county.office)

    assert not result.written and snapshot() == before
    errors = errors_by_row(result)
    assert set(errors) == {3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
    assert "NOPE" in errors[3][0] and "找不到" in errors[3][0]
    assert "与第2行重复" in errors[4][0]
    assert "循环" in errors[5][0] and "循环" in errors[6][0]
    assert "群团组织下不能再设下级组织" in errors[7][0]
    assert "群团组织必须挂靠" in errors[8][0]
    assert "党小组" in errors[9][0] and "不是可选的值" in errors[9][0]
    assert "“组织名称”不能为空" in errors[10][0]
    assert "太长" in errors[11][0]
    assert "牧业" in errors[12][0]


def test_cycle_through_the_database_is_found(county):
    # The township would hang under its own branch, which stays where it is.
    rows = read_xlsx(
        ImportKind.ORGANIZATIONS,
        ORG_HEADER,
        [[county.township_a.code, "红湾寺镇党委", "党委", "农牧村", county.branch_a1.code]],
    )
    result = roster_import_organizations(rows=rows, by=county.office)
    assert [error.row for error in result.errors] == [2]
    assert "循环" in result.errors[0].message


def test_good_organization_file_imports_with_paths_and_parents(county):
    # The child comes before its parent; the parent hangs under an existing township.
    rows = read_xlsx(
        ImportKind.ORGANIZATIONS,
        ORG_HEADER,
        [
            ["HW-02-1", "牧业村一社党支部", "党支部", "农牧村", "HW-02"],
            ["HW-02", "牧业村党总支", "党总支", "农牧村", county.township_a.code],
            ["HW-02-T", "牧业村工会", "工会", "", "HW-02"],
        ],
        title_rows=[["红湾寺镇组织架构"], []],
    )
    result = roster_import_organizations(rows=rows, by=county.office)

    assert result.ok and result.written
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    general = Organization.objects.get(code="HW-02")
    branch = Organization.objects.get(code="HW-02-1")
    union = Organization.objects.get(code="HW-02-T")
    assert general.parent == county.township_a and general.kind == OrganizationKind.GENERAL_BRANCH
    assert general.path == county.township_a.path + path_segment(general.pk)
    assert branch.parent == general and branch.path == general.path + path_segment(branch.pk)
    assert union.parent == general and union.sector == Sector.OTHER
    # The title lines above the header count in the row numbers the office sees.
    assert [change.row for change in result.changes] == [4, 5, 6]


def test_changed_parent_moves_the_whole_subtree(county):
    branch, union = county.branch_a1, county.union_a1
    rows = read_xlsx(
        ImportKind.ORGANIZATIONS,
        ORG_HEADER,
        [
            ["NEW-X", "社区第二党支部", "党支部", "社区", branch.code],  # new, under the moving branch
            [branch.code, "红湾社区党支部", "党支部", "社区", county.township_b.code],
        ],
    )
    result = roster_import_organizations(rows=rows, by=county.office)

    assert result.ok and (result.created, result.updated) == (1, 1)
    branch.refresh_from_db()
    union.refresh_from_db()
    new = Organization.objects.get(code="NEW-X")
    assert branch.parent == county.township_b
    assert branch.path == county.township_b.path + path_segment(branch.pk)
    assert union.path == branch.path + path_segment(union.pk)
    assert new.parent == branch and new.path == branch.path + path_segment(new.pk)
    assert Member.objects.filter(organization__path__startswith=county.township_b.path).count() == 5


def test_parent_and_child_can_swap_places(county):
    # Today 红湾寺镇 → 红湾社区; afterwards 红湾社区 sits under the county and the township under it.
    a, b = county.township_a, county.branch_a1
    rows = read_xlsx(
        ImportKind.ORGANIZATIONS,
        ORG_HEADER,
        [
            [a.code, a.name, "党委", "农牧村", b.code],
            [b.code, b.name, "党支部", "社区", county.county.code],
        ],
    )
    result = roster_import_organizations(rows=rows, by=county.office)

    assert result.ok, result.errors
    a.refresh_from_db()
    b.refresh_from_db()
    county.branch_a2.refresh_from_db()
    assert b.path == county.county.path + path_segment(b.pk)
    assert a.path == b.path + path_segment(a.pk)
    assert county.branch_a2.path == a.path + path_segment(county.branch_a2.pk)


def test_reimporting_organizations_changes_nothing(county):
    header_first = ["上级组织编码", "组织名称", "组织编码", "所属领域", "组织类别"]  # any column order
    file_rows = [
        [county.township_a.code, "新建村党支部", "NEW-1", "农牧村", "党支部"],
        ["NEW-1", "新建村妇联", "NEW-2", "", "妇联"],
    ]
    first = roster_import_organizations(
        rows=read_xlsx(ImportKind.ORGANIZATIONS, header_first, file_rows), by=county.office
    )
    assert first.ok and first.created == 2
    before = snapshot()

    with CaptureQueriesContext(connection) as queries:
        again = roster_import_organizations(
            rows=read_xlsx(ImportKind.ORGANIZATIONS, header_first, file_rows), by=county.office
        )

    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert writes(queries.captured_queries) == []
    assert snapshot() == before


def test_leader_cannot_import_organizations_into_another_township(county):
    rows = read_xlsx(
        ImportKind.ORGANIZATIONS,
        ORG_HEADER,
        [
            ["L-1", "本镇新支部", "党支部", "农牧村", county.township_a.code],
            ["L-2", "外乡新支部", "党支部", "农牧村", county.township_b.code],
            [county.branch_b1.code, "北极村党支部（改名）", "党支部", "农牧村", county.township_b.code],
            ["L-3", "新的顶层组织", "党委", "机关", ""],
        ],
    )
    before = snapshot()
    result = roster_import_organizations(rows=rows, by=county.leader_a)

    errors = errors_by_row(result)
    assert set(errors) == {3, 4, 5}
    assert "不在您的管理范围内" in errors[3][0] and "不在您的管理范围内" in errors[4][0]
    assert "不能为空" in errors[5][0]
    assert snapshot() == before


def test_leader_may_keep_own_township_under_the_county(county):
    # The township's own row names the county, which the leader may not change: that is fine
    # as long as the parent stays the same.
    rows = read_xlsx(
        ImportKind.ORGANIZATIONS,
        ORG_HEADER,
        [[county.township_a.code, "红湾寺镇党委", "党委", "农牧村", county.county.code]],
    )
    result = roster_import_organizations(rows=rows, by=county.leader_a)
    assert result.ok and result.unchanged == 1


def test_an_organization_with_children_cannot_become_a_mass_organization(county):
    rows = read_xlsx(
        ImportKind.ORGANIZATIONS,
        ORG_HEADER,
        [[county.branch_a1.code, "红湾社区党支部", "工会", "社区", county.township_a.code]],
    )
    result = roster_import_organizations(rows=rows, by=county.office)
    assert [error.row for error in result.errors] == [2]
    assert "不能改为群团组织" in result.errors[0].message


# --- members -----------------------------------------------------------------


def test_member_file_with_bad_rows_writes_nothing_and_names_each_row(county):
    branch = county.branch_a2
    rows = read_xlsx(
        ImportKind.MEMBERS,
        MEMBER_HEADER,
        [
            member_row(branch, "好党员"),  # 2
            member_row(branch, "日期错", birth="1975-13-45"),  # 3
            member_row(branch, "只到月", birth="1975.05"),  # 4
            member_row(branch, "入党早", birth="1990-01-01", joined="1985-01-01"),  # 5
            member_row("NOPE", "没组织"),  # 6
            member_row(branch, "性别错", gender="未知"),  # 7
            member_row(branch, "好党员"),  # 8: same person as row 2
            member_row(county.union_a1, "工会里"),  # 9: a mass organization
            member_row(branch, "电话错", phone="call me"),  # 10
            member_row(branch, "", birth=""),  # 11
        ],
    )
    before = snapshot()
    result = roster_import_members(rows=rows, by=county.office)

    assert not result.written and snapshot() == before
    errors = errors_by_row(result)
    assert set(errors) == {3, 4, 5, 6, 7, 8, 9, 10, 11}
    assert "1975-13-45" in errors[3][0]
    assert "只写到了月" in errors[4][0]
    assert "入党日期必须晚于出生日期" in errors[5][0]
    assert "NOPE" in errors[6][0] and "请先导入组织" in errors[6][0]
    assert "未知" in errors[7][0]
    assert "与第2行是同一个人" in errors[8][0]
    assert "群团组织" in errors[9][0]
    assert "联系电话" in errors[10][0]
    assert any("姓名" in message for message in errors[11]) and any("出生日期" in message for message in errors[11])


def test_good_member_file_imports_with_every_date_form_and_label(county):
    branch = county.branch_a2
    rows = read_xlsx(
        ImportKind.MEMBERS,
        MEMBER_HEADER,
        [
            member_row(branch, "甲", birth=datetime.datetime(1970, 1, 2), joined="1995/7/1", status="预备"),
            member_row(branch, "乙", birth="1971.02.03", joined="1996年7月1日", post="书记", gender="女"),
            member_row(branch, "丙", birth=19720304, joined="1997-07-01 00:00:00", post="支部委员"),
            member_row(branch, "丁", birth="19730405", joined=36000, status="预备党员", phone=13912345678),
        ],
    )
    result = roster_import_members(rows=rows, by=county.office)

    assert result.ok and result.created == 4
    members = {member.name: member for member in Member.objects.filter(organization=branch)}
    assert members["甲"].birth_date == datetime.date(1970, 1, 2)
    assert members["甲"].joined_date == datetime.date(1995, 7, 1)
    assert members["甲"].status == MemberStatus.PROBATIONARY
    assert members["乙"].birth_date == datetime.date(1971, 2, 3) and members["乙"].post == Post.SECRETARY
    assert members["乙"].gender == "female"
    assert members["丙"].birth_date == datetime.date(1972, 3, 4) and members["丙"].post == Post.COMMITTEE_MEMBER
    assert members["丁"].joined_date == datetime.date(1998, 7, 24)  # Excel serial day 36000
    assert members["丁"].phone == "13912345678" and members["丁"].ethnicity == "裕固族"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1975-05-01", datetime.date(1975, 5, 1)),
        ("1975/5/1", datetime.date(1975, 5, 1)),
        ("1975.05.01", datetime.date(1975, 5, 1)),
        ("1975年5月1日", datetime.date(1975, 5, 1)),
        (" 1975 年 5 月 1 日 ", datetime.date(1975, 5, 1)),
        ("19750501", datetime.date(1975, 5, 1)),
    ],
)
def test_dates_in_the_forms_offices_type_them(text, expected):
    assert parse_date(text) == expected


def test_reimporting_members_changes_nothing(county):
    branch = county.branch_a1
    rows = [
        member_row(branch, "安秀英", post="书记", gender="女"),  # already there, unchanged
        member_row(branch, "新党员", birth="1990-02-03", joined="2015-06-30", phone="0937-1234567"),
    ]
    first = roster_import_members(rows=read_xlsx(ImportKind.MEMBERS, MEMBER_HEADER, rows), by=county.office)
    assert (first.created, first.updated, first.unchanged) == (1, 0, 1)
    before = snapshot()

    with CaptureQueriesContext(connection) as queries:
        again = roster_import_members(rows=read_xlsx(ImportKind.MEMBERS, MEMBER_HEADER, rows), by=county.office)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert writes(queries.captured_queries) == []
    assert snapshot() == before


def test_only_changed_members_are_updated(county):
    branch = county.branch_a1
    rows = read_xlsx(
        ImportKind.MEMBERS,
        MEMBER_HEADER,
        [
            member_row(branch, "安秀英", post="书记", gender="女"),
            member_row(branch, "钟建军", post="副书记", phone="13800000000"),
        ],
    )
    result = roster_import_members(rows=rows, by=county.office)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    county.member_a1.refresh_from_db()
    assert county.member_a1.post == Post.DEPUTY_SECRETARY and county.member_a1.phone == "13800000000"
    assert any("党内职务：党员 → 副书记" in detail for detail in result.changes[0].details)


def test_missing_optional_columns_and_empty_cells_keep_stored_values(county):
    county.member_a1.phone = "13800000000"
    county.member_a1.save()
    header = ["姓名", "性别", "出生日期", "入党日期", "所在组织编码", "职务"]
    rows = read_xlsx(
        ImportKind.MEMBERS, header, [["钟建军", "男", "1975-05-01", "2001-07-01", county.branch_a1.code, ""]]
    )
    result = roster_import_members(rows=rows, by=county.office)

    assert result.unchanged == 1
    county.member_a1.refresh_from_db()
    assert county.member_a1.phone == "13800000000" and county.member_a1.ethnicity == "裕固族"


def test_padded_names_match_the_stored_member(county):
    rows = read_xlsx(
        ImportKind.MEMBERS,
        MEMBER_HEADER,
        [member_row(county.branch_a1, "钟　建军"), member_row(county.branch_a1, " 兰永福 ", birth="1980-03-02")],
    )
    result = roster_import_members(rows=rows, by=county.office)
    assert (result.created, result.unchanged) == (0, 2)


def test_leader_cannot_import_members_into_another_township(county):
    rows = read_xlsx(
        ImportKind.MEMBERS,
        MEMBER_HEADER,
        [member_row(county.branch_a2, "本镇党员"), member_row(county.branch_b1, "外乡党员")],
    )
    result = roster_import_members(rows=rows, by=county.leader_a)

    assert [(error.row, error.message) for error in result.errors] == [
        (3, "所在组织“北极村党支部”不在您的管理范围内。")
    ]
    assert not Member.objects.filter(name__in=["本镇党员", "外乡党员"]).exists()


# --- files -------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030", "utf-8"])
def test_csv_in_utf8_with_bom_and_in_gb18030(county, encoding):
    data = csv_bytes(
        MEMBER_HEADER, [member_row(county.branch_a2, "裕固族党员", birth="1975/5/1", joined="2001年7月1日")], encoding
    )
    rows = read_roster_file(io.BytesIO(data), kind=ImportKind.MEMBERS, extension=".csv")
    result = roster_import_members(rows=rows, by=county.office)

    assert result.ok and result.created == 1
    member = Member.objects.get(name="裕固族党员")
    assert member.ethnicity == "裕固族" and member.birth_date == datetime.date(1975, 5, 1)


def test_missing_required_column_is_named(county):
    header = ["姓名", "性别", "民族", "所在组织编码"]
    with pytest.raises(ImportFileError, match="缺少这些列：出生日期。"):
        read_xlsx(ImportKind.MEMBERS, header, [["甲", "男", "汉族", county.branch_a1.code]])


def test_member_file_uploaded_as_organizations_is_recognized(county):
    with pytest.raises(ImportFileError, match="看起来是人员名册"):
        read_xlsx(ImportKind.ORGANIZATIONS, MEMBER_HEADER, [member_row(county.branch_a1, "甲")])


def test_file_with_only_a_header_says_so(county):
    with pytest.raises(ImportFileError, match="没有找到数据"):
        read_xlsx(ImportKind.ORGANIZATIONS, ORG_HEADER, [])


# --- pages -------------------------------------------------------------------


def upload(client, kind, name, content):
    return client.post(
        reverse("orgs:roster_import"), {"kind": kind, "file": SimpleUploadedFile(name, content)}, follow=False
    )


@pytest.mark.parametrize("actor", ["secretary_user_a1", "inspector_b", "member_user_a1"])
def test_only_office_and_leaders_may_open_the_import_page(client, county, actor):
    client.force_login(getattr(county, actor))
    assert client.get(reverse("orgs:roster_import")).status_code == 403
    response = upload(client, ImportKind.MEMBERS, "a.xlsx", xlsx_bytes(MEMBER_HEADER, []))
    assert response.status_code == 403
    assert "导入导出" not in client.get(reverse("home")).text


def test_import_menu_link_is_shown_to_the_office(client, county):
    client.force_login(county.office)
    assert reverse("orgs:roster_import") in client.get(reverse("home")).text


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("名册.xlsx", "姓名,性别\n张三,男\n".encode(), "不是有效的 Excel"),
        ("名册.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "旧版 Excel"),
        ("名册.pdf", b"%PDF-1.4 whatever", "只能上传"),
        ("名册.xlsx", b"PK\x03\x04 this is no zip at all", "无法读取这个 Excel 文件"),
        ("名册.csv", b"", "空文件"),
    ],
)
def test_a_file_that_is_not_a_roster_gets_a_clear_message(client, county, media, name, content, message):
    client.force_login(county.office)
    response = upload(client, ImportKind.MEMBERS, name, content)
    assert response.status_code == 200
    assert message in response.text
    assert not list(media.glob("imports/*"))


def test_file_larger_than_the_limit_is_refused(client, county, media, settings):
    settings.IMPORT_MAX_BYTES = 1000
    client.force_login(county.office)
    response = upload(client, ImportKind.MEMBERS, "big.csv", b"x" * 2000)
    assert "文件太大" in response.text


def test_upload_preview_confirm_in_the_browser(client, county, media):
    client.force_login(county.leader_a)
    content = xlsx_bytes(
        MEMBER_HEADER,
        [
            member_row(county.branch_a2, "新来的党员", birth="1988-08-08", joined="2012-07-01"),
            member_row(county.branch_a2, "贺玉梅", gender="女"),
        ],
    )

    response = upload(client, ImportKind.MEMBERS, "党员名册.xlsx", content)
    assert response.status_code == 302
    preview_url = response["Location"]
    token = preview_url.rstrip("/").rsplit("/", 1)[-1]
    assert len(list(media.glob("imports/*"))) == 1

    preview = client.get(preview_url)
    assert preview.status_code == 200
    assert "新来的党员" in preview.text and "确认导入" in preview.text
    assert not Member.objects.filter(name="新来的党员").exists()

    done = client.post(reverse("orgs:roster_import_confirm", args=[token]), follow=True)
    assert done.status_code == 200
    assert "人员导入完成：新增 1 名，更新 0 名，1 名没有变化。" in done.text
    assert Member.objects.get(name="新来的党员").organization == county.branch_a2
    assert not list(media.glob("imports/*"))
    # The token is used up.
    assert client.get(preview_url).status_code == 404


def test_preview_lists_every_error_and_offers_no_confirmation(client, county, media):
    client.force_login(county.office)
    content = xlsx_bytes(
        ORG_HEADER,
        [["Z1", "好的", "党支部", "农牧村", county.township_a.code], ["Z2", "坏的", "党支部", "农牧村", "NOPE"]],
    )
    preview = client.get(upload(client, ImportKind.ORGANIZATIONS, "组织.xlsx", content)["Location"])

    assert "第 3 行" in preview.text and "上级组织编码“NOPE”在本文件和系统中都找不到。" in preview.text
    assert "确认导入" not in preview.text
    token = preview.request["PATH_INFO"].rstrip("/").rsplit("/", 1)[-1]
    refused = client.post(reverse("orgs:roster_import_confirm", args=[token]), follow=True)
    assert "没有写入任何数据" in refused.text
    assert not Organization.objects.filter(code="Z1").exists()


def test_an_upload_belongs_to_the_session_that_made_it(client, county, media):
    client.force_login(county.office)
    preview_url = upload(
        client,
        ImportKind.ORGANIZATIONS,
        "组织.xlsx",
        xlsx_bytes(ORG_HEADER, [["Z1", "好的", "党支部", "", county.township_a.code]]),
    )["Location"]
    token = preview_url.rstrip("/").rsplit("/", 1)[-1]

    client.force_login(county.leader_a)  # a new session
    assert client.get(preview_url).status_code == 404
    assert client.post(reverse("orgs:roster_import_confirm", args=[token])).status_code == 404
    assert not Organization.objects.filter(code="Z1").exists()


def test_cancel_deletes_the_uploaded_file(client, county, media):
    client.force_login(county.office)
    preview_url = upload(
        client,
        ImportKind.ORGANIZATIONS,
        "组织.csv",
        csv_bytes(ORG_HEADER, [["Z1", "好的", "党支部", "", county.township_a.code]], "gb18030"),
    )["Location"]
    token = preview_url.rstrip("/").rsplit("/", 1)[-1]
    response = client.post(reverse("orgs:roster_import_cancel", args=[token]), follow=True)
    assert "已取消本次导入" in response.text
    assert not list(media.glob("imports/*"))


def test_preview_that_finds_the_file_broken_sends_back_to_upload(client, county, media):
    client.force_login(county.office)
    content = xlsx_bytes(ORG_HEADER, [["Z1", "好的", "党支部", "", county.township_a.code]])
    preview_url = upload(client, ImportKind.ORGANIZATIONS, "组织.xlsx", content)["Location"]
    (stored,) = media.glob("imports/*")
    stored.write_bytes(b"PK\x03\x04 broken after the upload")

    response = client.get(preview_url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("orgs:roster_import")
    assert "无法读取这个 Excel 文件" in response.text
    assert not list(media.glob("imports/*"))


def test_confirm_checks_the_file_again(client, county, media):
    client.force_login(county.office)
    content = xlsx_bytes(MEMBER_HEADER, [member_row(county.branch_a2, "后来的党员")])
    preview_url = upload(client, ImportKind.MEMBERS, "党员.xlsx", content)["Location"]
    assert "确认导入" in client.get(preview_url).text
    token = preview_url.rstrip("/").rsplit("/", 1)[-1]
    # Between preview and confirmation the branch became a trade union.
    Organization.objects.filter(pk=county.branch_a2.pk).update(kind=OrganizationKind.TRADE_UNION)

    response = client.post(reverse("orgs:roster_import_confirm", args=[token]), follow=True)
    assert "没有写入任何数据" in response.text and "群团组织" in response.text
    assert not Member.objects.filter(name="后来的党员").exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_office_imports_members_on_a_phone(live_server, county, logged_in, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    page = logged_in("office", phone=True)
    branch_url = f"{live_server.url}{county.branch_a2.get_absolute_url()}"
    page.get_by_role("button", name="展开菜单").click()  # the menu folds away at phone width
    # Click once the menu has folded out: during Bootstrap's animation the link may be
    # clipped by its still-growing parent (under CI's load the click was lost once).
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bshow\b"))
    page.get_by_role("button", name="组织", exact=True).click()
    page.get_by_role("link", name="导入导出").click()
    expect(page).to_have_url(f"{live_server.url}{reverse('orgs:roster_import')}", timeout=30_000)
    page.get_by_label("人员").check()
    bad = xlsx_bytes(MEMBER_HEADER, [member_row(county.branch_a2, "手机上的党员", birth="1975年13月1日")])
    page.set_input_files(
        "#id_file", files=[{"name": "党员.xlsx", "mimeType": "application/octet-stream", "buffer": bad}]
    )
    page.get_by_role("button", name="上传并预览").click()
    page.locator("#import-errors").wait_for()
    assert "第 2 行" in page.locator("#import-errors").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="重新上传").click()

    good = xlsx_bytes(MEMBER_HEADER, [member_row(county.branch_a2, "手机上的党员")])
    page.get_by_label("人员").check()
    page.set_input_files(
        "#id_file", files=[{"name": "党员.xlsx", "mimeType": "application/octet-stream", "buffer": good}]
    )
    page.get_by_role("button", name="上传并预览").click()
    page.locator("#import-changes").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="确认导入").click()
    page.get_by_text("人员导入完成").wait_for()
    # The ORM may not run beside Playwright's event loop: check through the page.
    page.goto(branch_url)
    assert "手机上的党员" in page.content()
