"""Broken and hostile roster files: huge ones, zip bombs, merged cells, a 10,000-deep
tree, several sheets, encrypted and old Excel files, the encodings Chinese Excel saves
CSV in. Each is imported as a person would expect or refused with a Chinese message,
and a refused file writes nothing. (test_import_properties.py covers odd cell values.)"""

import io
import struct

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

import orgs.sheets.reading
from orgs.models import Member, Organization, OrganizationKind, Sector
from orgs.roster.format import IMPORT_MAX_ROWS, ImportKind, read_roster_file
from orgs.roster.services import roster_import_organizations
from orgs.services import MAX_DEPTH, organization_create, organization_move
from orgs.tests.rosters import (
    MEMBER_HEADER,
    ORG_HEADER,
    csv_bytes,
    inline_row,
    member_row,
    roster_sheet_xml,
    snapshot,
    xlsx_with_sheet_xml,
)

pytestmark = pytest.mark.usefixtures("media")  # each test stores its files apart


def upload(client, kind, name, content):
    """Upload through the page as the logged-in user, following to the preview."""
    return client.post(
        reverse("orgs:roster_import"), {"kind": kind, "file": SimpleUploadedFile(name, content)}, follow=True
    )


def confirm(client, preview):
    token = preview.request["PATH_INFO"].rstrip("/").rsplit("/", 1)[-1]
    return client.post(reverse("orgs:roster_import_confirm", args=[token]), follow=True)


def stored_uploads(media):
    return list(media.glob("imports/*"))


# --- a. huge files --------------------------------------------------------------


def test_an_upload_over_20_mb_is_refused_and_not_kept(client, county, media):
    client.force_login(county.office)
    before = snapshot()
    response = upload(client, ImportKind.MEMBERS, "名册.csv", b"x" * (20 * 2**20 + 1))
    assert "文件太大（超过 20.0 MB），请拆分后分批导入。" in response.text
    assert not stored_uploads(media) and snapshot() == before


def test_a_sheet_that_declares_a_million_rows_is_refused_before_reading_them(client, county, media, tmp_path):
    # Someone typed into the very last row of the sheet: Excel then declares (and holds) 1,048,576 rows.
    rows = [
        inline_row(1, ORG_HEADER),
        inline_row(2, ["Z1", "新支部", "党支部", "农牧村", county.township_a.code]),
        inline_row(1048576, ["末行"]),
    ]
    path = xlsx_with_sheet_xml(tmp_path / "big.xlsx", roster_sheet_xml(rows, dimension="A1:E1048576"))
    client.force_login(county.office)
    before = snapshot()

    response = upload(client, ImportKind.ORGANIZATIONS, "组织.xlsx", path.read_bytes())

    assert f"文件的行数超过了上限（最多 {IMPORT_MAX_ROWS} 行数据）" in response.text
    assert "删除这些行" in response.text
    assert not stored_uploads(media) and snapshot() == before


def test_a_sheet_without_a_dimension_is_refused_once_it_passes_the_row_limit(county, tmp_path):
    # No <dimension> (some programs write none): the rows are counted while read, blank ones too.
    rows = [
        inline_row(1, ORG_HEADER),
        inline_row(2, ["Z1", "新支部", "党支部", "农牧村", county.township_a.code]),
        inline_row(IMPORT_MAX_ROWS + 500, ["末行"]),
    ]
    path = xlsx_with_sheet_xml(tmp_path / "big.xlsx", roster_sheet_xml(rows))
    with open(path, "rb") as file, pytest.raises(orgs.sheets.reading.ImportFileError, match="行数超过了上限"):
        read_roster_file(file, kind=ImportKind.ORGANIZATIONS, extension=".xlsx")


def test_200000_real_rows_are_refused_at_upload(client, county, media, tmp_path):
    def rows():
        yield inline_row(1, MEMBER_HEADER)
        for number in range(2, 200_002):
            yield inline_row(number, [f"党员{number}", "男"])

    path = xlsx_with_sheet_xml(tmp_path / "many.xlsx", roster_sheet_xml(rows(), dimension="A1:I200001"))
    assert path.stat().st_size < 20 * 2**20
    client.force_login(county.office)
    before = snapshot()

    response = upload(client, ImportKind.MEMBERS, "党员.xlsx", path.read_bytes())

    assert "文件的行数超过了上限" in response.text
    assert not stored_uploads(media) and snapshot() == before


def test_a_csv_of_endless_blank_lines_is_refused(client, county, media):
    client.force_login(county.office)
    content = ",".join(MEMBER_HEADER).encode() + b"\r\n" * (IMPORT_MAX_ROWS + 100)
    before = snapshot()
    response = upload(client, ImportKind.MEMBERS, "党员.csv", content)
    # Refused at upload: looking for the first data row runs into the limit.
    assert not response.redirect_chain and "文件的行数超过了上限" in response.text
    assert not stored_uploads(media) and snapshot() == before


@pytest.fixture
def openpyxl_must_not_open(monkeypatch):
    """Proves a file was refused on its zip directory, before any XML was inflated."""

    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl opened a file that should have been refused first")

    monkeypatch.setattr(orgs.sheets.reading.openpyxl, "load_workbook", refuse)


def test_a_zip_bomb_is_refused_without_unpacking_it(client, county, media, tmp_path, openpyxl_must_not_open):
    # 320 MB of sheet XML that deflates to a few hundred KB.
    block = inline_row(3, ["甲"] * 9) * 20_000
    chunks = roster_sheet_xml([block] * (320 * 2**20 // len(block.encode())))
    path = xlsx_with_sheet_xml(tmp_path / "bomb.xlsx", chunks, compresslevel=1)
    assert path.stat().st_size < 5 * 2**20
    client.force_login(county.office)
    before = snapshot()

    response = upload(client, ImportKind.MEMBERS, "党员.xlsx", path.read_bytes())

    assert "这个 Excel 文件解压后的内容异常庞大，系统不予读取。" in response.text
    assert not stored_uploads(media) and snapshot() == before


def test_a_small_part_that_unpacks_a_thousandfold_is_refused(county, tmp_path, openpyxl_must_not_open):
    # Under the total limit, but no real sheet compresses like this.
    chunks = roster_sheet_xml([" " * 2**20] * 20)
    path = xlsx_with_sheet_xml(tmp_path / "dense.xlsx", chunks)
    with open(path, "rb") as file, pytest.raises(orgs.sheets.reading.ImportFileError, match="异常庞大"):
        read_roster_file(file, kind=ImportKind.MEMBERS, extension=".xlsx")


# --- b. merged cells --------------------------------------------------------------


def merged_roster(county):
    """A roster as offices keep it: a title merged across the top, and the organization
    code merged down over the members of each organization (column H), reaching two
    blank rows below them."""
    rows = {
        1: ["红湾社区党员花名册"],
        2: MEMBER_HEADER,
        3: member_row(county.branch_a2, "合并一", birth="1980-01-01"),
        4: member_row(county.branch_a2, "合并二", birth="1981-01-01")[:7],
        5: member_row(county.branch_a2, "合并三", birth="1982-01-01")[:7],
        8: member_row(county.branch_a1, "另一支部的", birth="1983-01-01"),
    }
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for number, values in rows.items():
        for column, value in enumerate(values, start=1):
            sheet.cell(row=number, column=column, value=value)
    sheet.merge_cells("A1:I1")
    sheet.merge_cells("H3:H7")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_organization_code_merged_down_counts_on_each_row_it_covers(client, county, media):
    client.force_login(county.office)
    preview = upload(client, ImportKind.MEMBERS, "花名册.xlsx", merged_roster(county))
    assert "确认导入" in preview.text, preview.text

    done = confirm(client, preview)

    assert "人员导入完成：新增 4 名" in done.text
    added = dict(
        Member.objects.filter(name__in=["合并一", "合并二", "合并三", "另一支部的"]).values_list("name", "organization")
    )
    assert added == {
        "合并一": county.branch_a2.pk,
        "合并二": county.branch_a2.pk,
        "合并三": county.branch_a2.pk,
        "另一支部的": county.branch_a1.pk,
    }


def test_a_merged_cell_is_read_on_each_row_with_its_own_row_number(county):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(MEMBER_HEADER)
    sheet.append(member_row(county.branch_a2, "甲", birth="1980-01-01"))
    sheet.append(member_row(county.branch_a2, "乙", birth="1981-01-01")[:7])
    sheet.merge_cells("H2:H3")
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = read_roster_file(io.BytesIO(buffer.getvalue()), kind=ImportKind.MEMBERS, extension=".xlsx")
    assert [(row.number, row.values["organization_code"]) for row in rows] == [
        (2, county.branch_a2.code),
        (3, county.branch_a2.code),
    ]


# --- c. a very deep tree ----------------------------------------------------------


def test_a_file_nesting_10000_organizations_is_refused_with_one_message(client, county, media):
    # Each organization under the one before, starting under the county (level 1).
    rows = [
        [f"D{n}", f"第{n}级", "党支部", "其他", f"D{n - 1}" if n > 1 else county.county.code] for n in range(1, 10_001)
    ]
    client.force_login(county.office)
    before = snapshot()

    preview = upload(client, ImportKind.ORGANIZATIONS, "深.csv", csv_bytes(ORG_HEADER, rows, "utf-8"))

    # Level 42 is the last allowed: D41 is fine, D42 is the first too deep, with 9,959 below and itself.
    expected = "组织层级太深：组织树最多 42 级，本行的组织和它下面的共 9959 个组织超出了，请检查上级组织编码。"
    assert expected in preview.text and preview.text.count("组织层级太深") == 1
    assert "第 43 行" in preview.text and "确认导入" not in preview.text
    assert "没有写入任何数据" in confirm(client, preview).text
    assert snapshot() == before


def test_the_import_accepts_the_deepest_allowed_tree(county):
    rows = [[f"D{n}", f"第{n}级", "党支部", "其他", f"D{n - 1}" if n > 1 else county.county.code] for n in range(1, 42)]
    parsed = read_roster_file(
        io.BytesIO(csv_bytes(ORG_HEADER, rows, "utf-8")), kind=ImportKind.ORGANIZATIONS, extension=".csv"
    )
    result = roster_import_organizations(rows=parsed, by=county.office)
    assert result.written, result.errors
    assert Organization.objects.get(code="D41").depth == MAX_DEPTH - 1


def chain(county, levels):
    """Organizations nested under the county until the tree has ``levels`` levels."""
    parent = county.county
    for n in range(2, levels + 1):
        parent = organization_create(
            code=f"C{n}", name=f"第{n}级支部", kind=OrganizationKind.BRANCH, sector=Sector.OTHER, parent=parent
        )
    return parent


def test_creating_10000_nested_organizations_stops_at_42_levels_with_a_message(county):
    deepest = chain(county, MAX_DEPTH)
    count = Organization.objects.count()
    with pytest.raises(ValidationError) as refused:
        for n in range(MAX_DEPTH + 1, 10_001):
            deepest = organization_create(
                code=f"C{n}", name=f"第{n}级支部", kind=OrganizationKind.BRANCH, sector=Sector.OTHER, parent=deepest
            )
    assert refused.value.messages == ["组织层级太深：组织树最多 42 级，“第42级支部”下不能再设这么多级下级组织。"]
    assert deepest.code == "C42" and len(deepest.path) <= 255
    assert Organization.objects.count() == count


def test_a_subtree_cannot_be_moved_below_the_depth_limit(county):
    deep = chain(county, MAX_DEPTH - 1)  # one more level fits, the township's two do not
    before = snapshot()
    with pytest.raises(ValidationError, match="组织层级太深"):
        organization_move(organization=county.township_a, new_parent=deep)
    assert snapshot() == before
    organization_move(organization=county.branch_a2, new_parent=deep)  # a leaf fits
    county.branch_a2.refresh_from_db()
    assert county.branch_a2.depth == MAX_DEPTH - 1


def test_the_deepest_allowed_tree_renders_on_the_tree_pages(client, county):
    deepest = chain(county, MAX_DEPTH)
    client.force_login(county.office)
    home = client.get(reverse("home"))
    assert home.status_code == 200 and "第42级支部" in home.text
    detail = client.get(deepest.get_absolute_url())
    assert detail.status_code == 200 and "第41级支部" in detail.text


def test_an_import_that_would_move_a_subtree_too_deep_is_refused_at_confirmation(client, county, media):
    deep = chain(county, MAX_DEPTH - 1)
    township = county.township_a
    client.force_login(county.office)
    content = csv_bytes(ORG_HEADER, [[township.code, township.name, "党委", "农牧村", deep.code]], "utf-8")
    preview = upload(client, ImportKind.ORGANIZATIONS, "组织.csv", content)
    before = snapshot()

    done = confirm(client, preview)

    assert done.status_code == 200
    assert "导入没有完成，没有写入任何数据：组织层级太深" in done.text
    assert snapshot() == before


# --- d. sheets, headers, file kinds, encodings --------------------------------------


def workbook_of(sheets):
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_of_several_sheets_the_roster_is_read(client, county, media):
    content = workbook_of(
        [
            ("填表说明", [["请按模板填写"], ["姓名：必填"]]),
            ("党员", [MEMBER_HEADER, member_row(county.branch_a2, "第二张表的党员")]),
            ("统计", [["合计", 1]]),
        ]
    )
    client.force_login(county.office)
    done = confirm(client, upload(client, ImportKind.MEMBERS, "名册.xlsx", content))
    assert "人员导入完成：新增 1 名" in done.text
    assert Member.objects.filter(name="第二张表的党员").exists()


def test_two_roster_sheets_are_refused_rather_than_one_dropped(client, county, media):
    content = workbook_of(
        [
            ("正式党员", [MEMBER_HEADER, member_row(county.branch_a2, "甲")]),
            ("预备党员", [MEMBER_HEADER, member_row(county.branch_a2, "乙", status="预备党员")]),
        ]
    )
    client.force_login(county.office)
    before = snapshot()
    response = upload(client, ImportKind.MEMBERS, "名册.xlsx", content)
    assert "文件中有 2 个工作表都是名册（“正式党员”、“预备党员”），一次只能导入一个。" in response.text
    assert not stored_uploads(media) and snapshot() == before


def test_an_empty_sheet_says_so(client, county, media):
    client.force_login(county.office)
    response = upload(client, ImportKind.MEMBERS, "空.xlsx", workbook_of([("Sheet1", [])]))
    assert "文件的前 10 行是空的，没有找到表头。" in response.text
    assert not stored_uploads(media)


def test_a_header_below_the_tenth_row_is_not_taken_for_data(client, county, media):
    content = workbook_of([("Sheet1", [["说明"]] + [[]] * 10 + [MEMBER_HEADER, member_row(county.branch_a2, "甲")])])
    client.force_login(county.office)
    response = upload(client, ImportKind.MEMBERS, "名册.xlsx", content)
    assert "在文件的前 10 行中没有找到表头（如“姓名”）。" in response.text
    assert not stored_uploads(media)


def compound_file(streams):
    """A minimal OLE compound file (version 3, 512-byte sectors) holding ``streams``,
    each padded to 4096 bytes so that none needs the mini stream."""
    free, end, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    names = sorted(streams, key=lambda name: (len(name), name.upper()))
    fat = [fat_sector, end]  # sector 0 holds the FAT, sector 1 the directory
    data = b""
    entries = []
    for index, name in enumerate(names):
        content = streams[name].ljust(4096, b"\0")
        first = len(fat)
        count = len(content) // 512
        fat += [first + i + 1 for i in range(count - 1)] + [end]
        data += content
        right = index + 2 if index + 1 < len(names) else free
        entries.append((name, 2, free, right, free, first, len(content)))
    root = ("Root Entry", 5, free, free, 1, end, 0)

    def entry(name, kind, left, right, child, start, size):
        encoded = (name + "\0").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB3I", len(encoded), kind, 1, left, right, child)
            + b"\0" * 36
            + struct.pack("<IIi", start, size, 0)
        )

    directory = b"".join(entry(*item) for item in [root, *entries]).ljust(512, b"\0")
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", free) * 108
    )
    assert len(header) == 512
    return header + struct.pack(f"<{len(fat)}I", *fat).ljust(512, b"\xff") + directory + data


def test_a_password_protected_xlsx_gets_told_how_to_remove_the_password(client, county, media):
    encrypted = compound_file({"EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00", "EncryptedPackage": b"\x01" * 64})
    client.force_login(county.office)
    response = upload(client, ImportKind.MEMBERS, "党员名册.xlsx", encrypted)
    assert "这个 Excel 文件设置了打开密码，系统无法读取。" in response.text
    assert "清空密码" in response.text and "这是旧版 Excel" not in response.text
    assert not stored_uploads(media)


def test_an_old_xls_renamed_to_xlsx_is_told_to_save_as_xlsx(client, county, media):
    old = compound_file({"Workbook": b"\x09\x08\x10\x00\x00\x06\x05\x00", "\x05SummaryInformation": b"\0" * 48})
    client.force_login(county.office)
    response = upload(client, ImportKind.MEMBERS, "党员名册.xlsx", old)
    assert "这是旧版 Excel（.xls）文件，请在 Excel 中“另存为”.xlsx 格式后再上传。" in response.text
    assert not stored_uploads(media)


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_csv_saved_by_chinese_excel_imports_through_the_page(client, county, media, encoding):
    content = csv_bytes(MEMBER_HEADER, [member_row(county.branch_a2, "裕固族的党员", ethnicity="裕固族")], encoding)
    client.force_login(county.office)
    done = confirm(client, upload(client, ImportKind.MEMBERS, "党员.csv", content))
    assert "人员导入完成：新增 1 名" in done.text
    assert Member.objects.get(name="裕固族的党员").ethnicity == "裕固族"


def test_unicode_text_saved_by_excel_and_renamed_csv_imports(county):
    lines = ["\t".join(MEMBER_HEADER), "\t".join(str(cell) for cell in member_row(county.branch_a2, "制表符党员"))]
    content = "\r\n".join(lines).encode("utf-16")  # with its byte order mark, as Excel writes it
    rows = read_roster_file(io.BytesIO(content), kind=ImportKind.MEMBERS, extension=".csv")
    assert rows[0].values["name"] == "制表符党员"


def test_csv_in_an_encoding_that_cannot_be_read_says_how_to_save_it(client, county, media):
    client.force_login(county.office)
    content = ",".join(MEMBER_HEADER).encode() + b"\r\n\x80\x80,\xff\r\n"
    response = upload(client, ImportKind.MEMBERS, "党员.csv", content)
    assert "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后再上传。" in response.text
    assert not stored_uploads(media)


def test_a_formula_in_a_csv_is_refused_with_its_row(client, county, media):
    rows = [
        member_row(county.branch_a2, "正常的党员"),
        member_row(county.branch_a2, '=HYPERLINK("http://example.com";"点击")'),
        member_row(county.branch_a2, "第三个", ethnicity="=A1"),
    ]
    content = "\r\n".join(",".join(map(str, line)) for line in [MEMBER_HEADER, *rows]).encode()
    client.force_login(county.office)
    before = snapshot()

    preview = upload(client, ImportKind.MEMBERS, "党员.csv", content)

    assert "第 3 行" in preview.text and "第 4 行" in preview.text
    assert "“姓名”是公式（=HYPERLINK(&quot;http://example.com），请填写数值本身" in preview.text
    assert "“民族”是公式（=A1）" in preview.text
    assert "没有写入任何数据" in confirm(client, preview).text
    assert snapshot() == before
