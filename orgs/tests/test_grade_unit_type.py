"""An organization's grade (等级) and unit type (单位类型): what a system campaign's
ranking groups units by. Set on the organization's page and through the roster file,
whose older layout without these columns stays valid."""

import io

import openpyxl
from django.urls import reverse

from orgs.models import Grade, Organization
from orgs.roster.exporting import export_organizations
from orgs.roster.format import ImportKind, read_roster_file
from orgs.roster.services import roster_import_organizations
from orgs.tests.rosters import ORG_HEADER, xlsx_bytes

HEADER = [*ORG_HEADER, "等级", "单位类型"]


def import_rows(header, rows, by):
    content = xlsx_bytes(header, rows)
    parsed = read_roster_file(io.BytesIO(content), kind=ImportKind.ORGANIZATIONS, extension=".xlsx")
    return roster_import_organizations(rows=parsed, by=by)


def test_import_sets_grade_and_unit_type_of_new_and_existing_organizations(county):
    code = county.county.code
    result = import_rows(
        HEADER,
        [
            ["H01", "县人民医院党支部", "党支部", "事业单位", code, "三级", "综合医院"],
            ["H02", "县中医医院党支部", "党支部", "事业单位", code, "二级医院", "中医医院"],
            [county.branch_a1.code, county.branch_a1.name, "党支部", "", county.township_a.code, "一级", "乡镇卫生院"],
        ],
        county.office,
    )

    assert result.ok, result.errors
    stored = dict(
        Organization.objects.filter(code__in=["H01", "H02", county.branch_a1.code]).values_list("code", "grade")
    )
    assert stored == {"H01": Grade.THIRD, "H02": Grade.SECOND, county.branch_a1.code: Grade.FIRST}
    assert Organization.objects.get(code="H02").unit_type == "中医医院"
    assert Organization.objects.get(code=county.branch_a1.code).unit_type == "乡镇卫生院"


def test_file_without_the_new_columns_imports_and_leaves_them_alone(county):
    Organization.objects.filter(pk=county.branch_a1.pk).update(grade=Grade.SECOND, unit_type="中医医院")
    branch = county.branch_a1

    result = import_rows(
        ORG_HEADER,
        [
            [branch.code, branch.name, "党支部", "企业", county.township_a.code],
            ["N01", "新支部", "党支部", "农牧村", county.township_a.code],
        ],
        county.office,
    )

    assert result.ok, result.errors
    branch.refresh_from_db()
    assert (branch.sector, branch.grade, branch.unit_type) == ("enterprise", Grade.SECOND, "中医医院")
    new = Organization.objects.get(code="N01")
    assert (new.grade, new.unit_type) == ("", "")


def test_empty_cells_keep_the_grade_and_unit_type_and_ungraded_clears_the_grade(county):
    Organization.objects.filter(pk=county.branch_a1.pk).update(grade=Grade.SECOND, unit_type="中医医院")
    Organization.objects.filter(pk=county.branch_b1.pk).update(grade=Grade.THIRD, unit_type="综合医院")
    a1, b1 = county.branch_a1, county.branch_b1

    result = import_rows(
        HEADER,
        [
            [a1.code, a1.name, "党支部", "", county.township_a.code, "", ""],
            [b1.code, b1.name, "党支部", "", county.township_b.code, "未定级", ""],
        ],
        county.office,
    )

    assert result.ok, result.errors
    a1.refresh_from_db()
    b1.refresh_from_db()
    assert (a1.grade, a1.unit_type) == (Grade.SECOND, "中医医院")
    assert (b1.grade, b1.unit_type) == ("", "综合医院")


def test_an_unknown_grade_is_an_error_of_its_row(county):
    result = import_rows(
        HEADER, [["H01", "县人民医院党支部", "党支部", "事业单位", county.county.code, "特级", ""]], county.office
    )

    assert not result.ok
    assert [error.row for error in result.errors] == [2]
    assert "三级、二级、一级、未定级" in result.errors[0].message
    assert not Organization.objects.filter(code="H01").exists()


def test_export_writes_grade_labels_and_unit_types_and_reimports_with_no_change(county):
    Organization.objects.filter(pk=county.branch_a1.pk).update(grade=Grade.THIRD, unit_type="综合医院")
    content = export_organizations(by=county.office)
    rows = [list(row) for row in openpyxl.load_workbook(io.BytesIO(content)).worksheets[0].values]

    assert rows[0][-2:] == ["等级", "单位类型"]
    row = next(row for row in rows if row[0] == county.branch_a1.code)
    assert row[-2:] == ["三级", "综合医院"]
    parsed = read_roster_file(io.BytesIO(content), kind=ImportKind.ORGANIZATIONS, extension=".xlsx")
    result = roster_import_organizations(rows=parsed, by=county.office)
    assert result.ok, result.errors
    assert (result.created, result.updated) == (0, 0)


def test_office_sets_grade_and_unit_type_on_the_organization_page(client, county):
    client.force_login(county.office)
    url = reverse("orgs:organization_describe", args=[county.branch_a1.code])

    assert client.get(url).status_code == 200
    response = client.post(url, {"grade": Grade.SECOND, "unit_type": "中医医院"})

    assert response.status_code == 302
    county.branch_a1.refresh_from_db()
    assert (county.branch_a1.grade, county.branch_a1.unit_type) == (Grade.SECOND, "中医医院")
    page = client.get(county.branch_a1.get_absolute_url()).content.decode()
    assert "二级" in page and "中医医院" in page and url in page


def test_secretary_may_not_set_the_grade_of_own_branch(client, county):
    client.force_login(county.secretary_user_a1)
    url = reverse("orgs:organization_describe", args=[county.branch_a1.code])

    assert client.post(url, {"grade": Grade.THIRD, "unit_type": ""}).status_code == 403
    county.branch_a1.refresh_from_db()
    assert county.branch_a1.grade == ""
    assert url not in client.get(county.branch_a1.get_absolute_url()).content.decode()
