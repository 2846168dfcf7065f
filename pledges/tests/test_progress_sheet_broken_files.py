"""Broken and hostile progress sheets: the same guards as the roster import (see
orgs/tests/test_import_broken_files.py), through the progress sheet's own pages."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

import orgs.sheets.reading
from orgs.tests.rosters import inline_row, roster_sheet_xml, xlsx_with_sheet_xml
from pledges.models import ProgressEntry
from pledges.progress_sheet import HEADERS, SHEET_MAX_ROWS
from pledges.tests.progress_sheets import DATE, TEXT, export, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def test_a_zip_bomb_is_refused_at_upload_without_unpacking_it(client, branch, tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl opened a file that should have been refused first")

    monkeypatch.setattr(orgs.sheets.reading.openpyxl, "load_workbook", refuse)
    block = inline_row(3, ["甲"] * 10) * 20_000
    path = xlsx_with_sheet_xml(
        tmp_path / "bomb.xlsx", roster_sheet_xml([block] * (300 * 2**20 // len(block.encode()))), compresslevel=1
    )
    client.force_login(branch.secretary_user_a1)
    response = upload(client, path.read_bytes())
    assert "这个 Excel 文件解压后的内容异常庞大，系统不予读取。" in response.content.decode()
    assert ProgressEntry.objects.count() == 0


def test_a_sheet_that_declares_a_million_rows_is_refused_at_upload(client, branch, tmp_path):
    rows = [inline_row(1, HEADERS), inline_row(1048576, ["末行"])]
    path = xlsx_with_sheet_xml(tmp_path / "big.xlsx", roster_sheet_xml(rows, dimension="A1:J1048576"))
    client.force_login(branch.secretary_user_a1)
    response = upload(client, path.read_bytes())
    assert f"文件的行数超过了上限（最多 {SHEET_MAX_ROWS} 行数据）" in response.content.decode()
    assert ProgressEntry.objects.count() == 0


def test_a_formula_as_progress_text_is_refused_with_its_row(client, branch):
    blank = export(client, branch.secretary_user_a1, branch.branch_a1)
    workbook = openpyxl.load_workbook(io.BytesIO(blank))
    sheet = workbook["践诺进展"]
    for row in (2, 3):
        sheet.cell(row=row, column=DATE, value=datetime.date(2011, 5, 20))
    sheet.cell(row=2, column=TEXT, value="已完成")
    typed = sheet.cell(row=3, column=TEXT, value="=1+1")
    typed.data_type = "s"  # text typed as '=1+1, as a CSV or another program leaves it
    buffer = io.BytesIO()
    workbook.save(buffer)
    content = buffer.getvalue()
    response = upload(client, content)
    html = response.content.decode()
    assert "第 3 行" in html and "“进展情况”是公式（=1+1），请填写数值本身" in html
    token = response.context["token"]
    refused = client.post(reverse("pledges:progress_sheet_import_confirm", args=[token]), follow=True)
    assert "没有写入任何数据" in refused.content.decode()
    assert ProgressEntry.objects.count() == 0


def test_a_date_merged_down_over_two_items_counts_for_both(client, branch):
    blank = export(client, branch.secretary_user_a1, branch.branch_a1)
    workbook = openpyxl.load_workbook(io.BytesIO(blank))
    sheet = workbook["践诺进展"]
    sheet.cell(row=2, column=DATE, value=datetime.date(2011, 5, 20))
    sheet.cell(row=2, column=TEXT, value="腾出两间办公用房")
    sheet.cell(row=3, column=TEXT, value="走访困难户5户")
    sheet.merge_cells(start_row=2, start_column=DATE, end_row=3, end_column=DATE)
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = upload(client, buffer.getvalue())
    token = response.context["token"]
    done = client.post(reverse("pledges:progress_sheet_import_confirm", args=[token]), follow=True)

    assert "践诺进展导入完成：新增 2 条进展" in done.content.decode()
    first, second, _member_item = branch.items
    assert set(ProgressEntry.objects.values_list("item", "recorded_on")) == {
        (first.pk, datetime.date(2011, 5, 20)),
        (second.pk, datetime.date(2011, 5, 20)),
    }
