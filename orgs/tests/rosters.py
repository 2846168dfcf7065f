"""Rosters for the import and export tests: files as offices send them (.xlsx and CSV
bytes, member rows, raw sheet XML for broken files) and a snapshot of what is stored."""

import io
import zipfile

import openpyxl

from orgs.models import Member, Organization

ORG_HEADER = ["组织编码", "组织名称", "组织类别", "所属领域", "上级组织编码"]
MEMBER_HEADER = ["姓名", "性别", "民族", "出生日期", "入党日期", "党员状态", "职务", "所在组织编码", "联系电话"]


def xlsx_bytes(header, rows, *, title_rows=()):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for line in title_rows:
        sheet.append(line)
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(header, rows, encoding):
    lines = [",".join(header)] + [",".join(str(cell) for cell in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def snapshot():
    """Every stored value of the tree and the roster, to prove that nothing changed."""
    return (
        list(Organization.objects.order_by("pk").values_list("code", "name", "kind", "sector", "parent_id", "path")),
        list(Member.objects.order_by("pk").values()),
    )


def member_row(organization, name, birth="1975-05-01", joined="2001-07-01", **cells):
    return [
        name,
        cells.get("gender", "男"),
        cells.get("ethnicity", "裕固族"),
        birth,
        joined,
        cells.get("status", "正式党员"),
        cells.get("post", "党员"),
        organization if isinstance(organization, str) else organization.code,
        cells.get("phone", ""),
    ]


SHEET_PART = "xl/worksheets/sheet1.xml"


SHEET_OPEN = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


# Raw .xlsx parts, for files openpyxl would not write.


def inline_row(number, values):
    cells = "".join(
        f'<c r="{openpyxl.utils.get_column_letter(column)}{number}" t="inlineStr"><is><t>{value}</t></is></c>'
        for column, value in enumerate(values, start=1)
    )
    return f'<row r="{number}">{cells}</row>'


def xlsx_with_sheet_xml(target, chunks, *, compresslevel=6):
    """An .xlsx written by openpyxl whose first sheet's XML is replaced by ``chunks``
    (strings), streamed into the zip so that big sheets never sit in memory."""
    base = zipfile.ZipFile(io.BytesIO(xlsx_bytes(["x"], [])))
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
        for part in base.infolist():
            if part.filename != SHEET_PART:
                archive.writestr(part.filename, base.read(part.filename))
        with archive.open(SHEET_PART, "w", force_zip64=True) as sheet:
            for chunk in chunks:
                sheet.write(chunk.encode())
    return target


def roster_sheet_xml(rows, *, dimension=None, tail=""):
    if dimension:
        yield f'{SHEET_OPEN}<dimension ref="{dimension}"/><sheetData>'
    else:
        yield f"{SHEET_OPEN}<sheetData>"
    yield from rows
    yield f"</sheetData>{tail}</worksheet>"
