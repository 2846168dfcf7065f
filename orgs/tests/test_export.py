import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from orgs.models import Member, MemberStatus, Post
from orgs.roster.exporting import export_members, export_organizations
from orgs.roster.format import ImportKind, read_roster_file
from orgs.roster.services import roster_import_members, roster_import_organizations
from orgs.sheets.reading import ImportFileError
from orgs.tests.factories import make_member, make_organization
from orgs.tests.rosters import snapshot


def sheet_values(content):
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def reimport(kind, content, by):
    rows = read_roster_file(io.BytesIO(content), kind=kind, extension=".xlsx")
    service = roster_import_organizations if kind == ImportKind.ORGANIZATIONS else roster_import_members
    return service(rows=rows, by=by)


@pytest.fixture
def varied_county(county):
    """The small county plus the values a round trip could lose: a probationary
    deputy with a phone, a member without one, a general branch with a sector."""
    general = make_organization("牧业村党总支", parent=county.township_b, kind="general_branch", code="007")
    make_member(
        general,
        "巴特尔",
        post=Post.DEPUTY_SECRETARY,
        birth=datetime.date(1990, 12, 31),
        joined_date=datetime.date(2019, 1, 1),
        status=MemberStatus.PROBATIONARY,
        ethnicity="蒙古族",
        phone="0937-6612345",
    )
    # A unit's staff outside the party: no joined date, the plain post, a job title.
    make_member(
        general,
        "白玉兰",
        birth=datetime.date(1996, 4, 5),
        joined_date=None,
        status=MemberStatus.MASSES,
        gender="female",
        job_title="护士长",
    )
    make_member(general, "索南", joined_date=None, status=MemberStatus.LEAGUE, birth=datetime.date(2000, 1, 1))
    return county


def test_exported_organizations_reimport_with_no_change(varied_county):
    content = export_organizations(by=varied_county.office)
    before = snapshot()

    result = reimport(ImportKind.ORGANIZATIONS, content, varied_county.office)

    assert result.ok, result.errors
    assert (result.created, result.updated) == (0, 0)
    assert result.unchanged == result.total == 8
    assert snapshot() == before


def test_exported_members_reimport_with_no_change(varied_county):
    content = export_members(by=varied_county.office)
    before = snapshot()

    result = reimport(ImportKind.MEMBERS, content, varied_county.office)

    assert result.ok, result.errors
    assert (result.created, result.updated) == (0, 0)
    assert result.unchanged == result.total == Member.objects.count()
    assert snapshot() == before


def test_export_writes_chinese_labels_text_codes_and_real_dates(varied_county):
    organizations = sheet_values(export_organizations(by=varied_county.office))
    assert organizations[0] == ["组织编码", "组织名称", "组织类别", "所属领域", "上级组织编码", "等级", "单位类型"]
    assert ["007", "牧业村党总支", "党总支", "农牧村", varied_county.township_b.code] in [
        row[:5] for row in organizations
    ]
    # Tree order: every parent comes before its children.
    codes = [row[0] for row in organizations[1:]]
    assert all(not row[4] or codes.index(row[4]) < codes.index(row[0]) for row in organizations[1:])

    members = sheet_values(export_members(by=varied_county.office))
    assert members[0][:4] == ["姓名", "性别", "民族", "出生日期"]
    row = next(row for row in members if row[0] == "巴特尔")
    assert members[0] == [
        "姓名",
        "性别",
        "民族",
        "出生日期",
        "入党日期",
        "政治面貌",
        "职务",
        "工作岗位",
        "所在组织编码",
        "联系电话",
    ]
    row = next(row for row in members if row[0] == "巴特尔")
    assert row[1:9] == [
        "男",
        "蒙古族",
        datetime.datetime(1990, 12, 31),
        datetime.datetime(2019, 1, 1),
        "中共预备党员",
        "副书记",
        None,
        "007",
    ]
    assert row[9] == "0937-6612345"
    # Outside the party: no joined date and no party post, the job title instead.
    nurse = next(row for row in members if row[0] == "白玉兰")
    assert nurse[4:8] == [None, "群众", None, "护士长"]


def test_export_holds_only_what_the_users_scope_sees(county):
    organizations = sheet_values(export_organizations(by=county.leader_a))
    assert {row[1] for row in organizations[1:]} == {"红湾寺镇党委", "红湾社区党支部", "许三湾村党支部", "红湾社区工会"}
    members = sheet_values(export_members(by=county.secretary_user_b1))
    assert {row[0] for row in members[1:]} == {"杜德明", "安国庆"}


def test_leader_reimports_own_export_with_no_change(county):
    for kind, export in ((ImportKind.ORGANIZATIONS, export_organizations), (ImportKind.MEMBERS, export_members)):
        result = reimport(kind, export(by=county.leader_a), county.leader_a)
        assert result.ok, result.errors
        assert result.unchanged == result.total > 0


def test_export_links_download_xlsx_for_a_logged_in_user(client, county):
    client.force_login(county.secretary_user_a1)
    for name in ("orgs:export_organizations", "orgs:export_members"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        assert "attachment" in response["Content-Disposition"]
        assert len(sheet_values(response.content)) > 1


def test_export_needs_login(client, county):
    response = client.get(reverse("orgs:export_members"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("kind", ImportKind.values)
def test_blank_template_has_the_header_row_and_instructions(client, county, kind):
    client.force_login(county.office)
    response = client.get(reverse("orgs:export_template", args=[kind]))
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert workbook.sheetnames[1] == "填写说明"
    header = next(workbook.worksheets[0].iter_rows(values_only=True))
    assert ("组织编码" if kind == ImportKind.ORGANIZATIONS else "所在组织编码") in header
    # The header is recognized; there is just nothing to import yet.
    with pytest.raises(ImportFileError, match="没有找到数据"):
        read_roster_file(io.BytesIO(response.content), kind=kind, extension=".xlsx")


def test_unknown_template_kind_is_404(client, county):
    client.force_login(county.office)
    assert client.get(reverse("orgs:export_template", args=["pledges"])).status_code == 404
