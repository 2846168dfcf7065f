"""Roster cells that used to pass unnoticed: a formula whose result the file does not
carry (it read as an empty cell), and one person entered twice under one ID number."""

import io
import zipfile

import pytest

from orgs.models import Member
from orgs.roster.format import ImportKind, read_roster_file
from orgs.roster.services import roster_import_members, roster_import_organizations
from orgs.tests.rosters import MEMBER_HEADER, ORG_HEADER, csv_bytes, member_row, snapshot, xlsx_bytes

pytestmark = pytest.mark.django_db

ID_HEADER = [*MEMBER_HEADER, "身份证号"]


def read_xlsx(kind, header, rows):
    return read_roster_file(io.BytesIO(xlsx_bytes(header, rows)), kind=kind, extension=".xlsx")


def errors_by_row(result):
    found = {}
    for error in result.errors:
        found.setdefault(error.row, []).append((error.column, error.message))
    return found


def test_a_formula_in_any_member_cell_is_reported_as_a_formula(county):
    branch = county.branch_a2
    rows = read_xlsx(
        ImportKind.MEMBERS,
        MEMBER_HEADER,
        [
            member_row(branch, "好党员"),  # 2
            member_row(branch, "电话公式", phone="=B2"),  # 3: openpyxl keeps no result, as other programs do
            member_row(branch, "=A2"),  # 4
            member_row(branch, "日期公式", birth="=DATE(1975,5,1)"),  # 5
            member_row(branch, "性别公式", gender='=IF(1,"男","女")'),  # 6
        ],
    )
    before = snapshot()
    result = roster_import_members(rows=rows, by=county.office)

    assert not result.written and snapshot() == before
    errors = errors_by_row(result)
    assert set(errors) == {3, 4, 5, 6}
    for row, column in ((3, "联系电话"), (4, "姓名"), (5, "出生日期"), (6, "性别")):
        ((found_column, message),) = errors[row]
        assert found_column == column
        assert f"“{column}”是公式" in message and "请填写数值本身" in message, message
        assert "不能为空" not in message


def test_a_formula_in_an_organization_cell_is_reported_as_a_formula(county):
    rows = read_xlsx(ImportKind.ORGANIZATIONS, ORG_HEADER, [["Z1", "=A1", "党支部", "农牧村", county.township_a.code]])
    result = roster_import_organizations(rows=rows, by=county.office, dry_run=True)
    assert [(error.row, error.column) for error in result.errors] == [(2, "组织名称")]
    assert "“组织名称”是公式" in result.errors[0].message


def test_a_formula_with_its_result_saved_reads_as_the_result(county, tmp_path):
    """Excel saves each formula's result beside it: the office sees that value, and so does the import."""
    content = xlsx_bytes(MEMBER_HEADER, [member_row(county.branch_a2, "有结果", phone="=1")])
    source = zipfile.ZipFile(io.BytesIO(content))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w") as archive:
        for part in source.infolist():
            data = source.read(part.filename)
            if part.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<f>1</f><v></v>", b"<f>1</f><v>13912345678</v>")
                data = data.replace(b"<f>1</f><v />", b"<f>1</f><v>13912345678</v>")
                data = data.replace(b"<f>1</f>", b"<f>1</f><v>13912345678</v>") if b"<v>1391" not in data else data
            archive.writestr(part.filename, data)
    rows = read_roster_file(io.BytesIO(target.getvalue()), kind=ImportKind.MEMBERS, extension=".xlsx")
    result = roster_import_members(rows=rows, by=county.office)
    assert result.ok, result.errors
    assert Member.objects.get(name="有结果").phone == "13912345678"


def test_two_people_with_one_id_number_are_refused_naming_both_rows(county):
    branch = county.branch_a2
    rows = read_xlsx(
        ImportKind.MEMBERS,
        ID_HEADER,
        [
            [*member_row(branch, "张三"), "62072319750501001X"],  # 2
            [*member_row(branch, "李四", birth="1980-02-02"), "620723198002020012"],  # 3
            [*member_row(county.branch_a1, "张三丰"), "62072319750501001x"],  # 4: the same number
            [*member_row(branch, "王五"), ""],  # 5: may be left blank
            [*member_row(branch, "赵六"), ""],  # 6
        ],
    )
    before = snapshot()
    result = roster_import_members(rows=rows, by=county.office)

    assert not result.written and snapshot() == before
    errors = errors_by_row(result)
    assert set(errors) == {4}
    ((column, message),) = errors[4]
    assert column == "身份证号"
    assert "第2行" in message and "第4行" in message and "身份证号" in message


def test_id_numbers_are_only_checked_never_stored(county):
    rows = read_xlsx(ImportKind.MEMBERS, ID_HEADER, [[*member_row(county.branch_a2, "张三"), "62072319750501001X"]])
    result = roster_import_members(rows=rows, by=county.office)
    assert result.written
    stored = Member.objects.filter(name="张三").values().get()
    assert "62072319750501001X" not in str(stored)


def test_id_numbers_in_a_csv_are_checked_too(county):
    content = csv_bytes(
        ID_HEADER,
        [
            [*member_row(county.branch_a2, "张三"), "620723197505010011"],
            [*member_row(county.branch_a2, "李四"), "620723197505010011"],
        ],
        "utf-8",
    )
    rows = read_roster_file(io.BytesIO(content), kind=ImportKind.MEMBERS, extension=".csv")
    result = roster_import_members(rows=rows, by=county.office, dry_run=True)
    assert [error.row for error in result.errors] == [3]


def test_an_id_number_excel_kept_as_a_number_is_refused(county):
    """Excel keeps 15 digits of a number: two different IDs typed as numbers may read alike."""
    rows = read_xlsx(ImportKind.MEMBERS, ID_HEADER, [[*member_row(county.branch_a2, "张三"), 620723197505010011]])
    result = roster_import_members(rows=rows, by=county.office, dry_run=True)
    assert [(error.row, error.column) for error in result.errors] == [(2, "身份证号")]
    assert "文本" in result.errors[0].message
