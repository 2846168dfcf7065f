"""The offline progress sheet: export a branch's items, fill them in, import them back."""

import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import pledges.progress_sheet as progress_sheet
from pledges.models import PledgeItem, PledgeState, ProgressEntry
from pledges.progress_sheet import (
    HEADERS,
    SheetRow,
    item_key,
    parse_item_key,
    progress_sheet_import,
    read_progress_sheet,
)
from pledges.tests.factories import make_pledge, publish_with_approval
from pledges.tests.progress_sheets import DATE, DONE, KEY, PUBLISHED_ON, TEXT, export, upload


def fill(content, rows):
    """Fill the sheet's rows (by row number) with (date, text, done), or a dict of column → value."""
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook["践诺进展"]
    for number, values in rows.items():
        if isinstance(values, tuple):
            values = dict(zip((DATE, TEXT, DONE), values, strict=True))
        for column, value in values.items():
            sheet.cell(row=number, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def errors_by_row(result):
    found = {}
    for error in result.errors:
        found.setdefault(error.row, []).append(error.message)
    return found


# --- the key -------------------------------------------------------------------


def test_an_item_key_survives_the_round_trip_and_a_changed_one_does_not():
    key = item_key(42)
    assert parse_item_key(key) == 42
    forged = "43-" + key.split("-", 1)[1]
    assert parse_item_key(forged) is None
    assert parse_item_key("42") is None
    assert parse_item_key(key[:-1]) is None


# --- export --------------------------------------------------------------------


def test_secretary_downloads_the_published_items_of_the_branch(client, branch):
    workbook = openpyxl.load_workbook(io.BytesIO(export(client, branch.secretary_user_a1, branch.branch_a1)))
    sheet = workbook["践诺进展"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(HEADERS)
    assert [parse_item_key(row[0]) for row in rows[1:]] == [item.pk for item in branch.items]
    assert [row[1] for row in rows[1:]] == ["红湾社区党支部", "红湾社区党支部", "钟建军"]
    assert rows[1][5] == "已逾期"
    assert all(row[7] is None and row[8] is None and row[9] is None for row in rows[1:])
    # The draft member pledge is not there: progress is recorded on published pledges only.
    assert len(rows) == 4
    assert sheet.column_dimensions["A"].hidden
    assert sheet.protection.sheet
    assert sheet.cell(row=2, column=KEY).protection.locked
    assert not sheet.cell(row=2, column=TEXT).protection.locked
    assert "填写说明" in workbook.sheetnames


def test_leader_may_download_a_branch_sheet_but_not_members_or_inspectors(client, branch):
    export(client, branch.leader_a, branch.branch_a1)
    url = reverse("pledges:progress_sheet_export", args=[branch.branch_a1.code])
    client.force_login(branch.member_user_a1)
    assert client.get(url).status_code == 403
    client.force_login(branch.inspector_b)
    assert client.get(reverse("pledges:progress_sheet_export", args=[branch.branch_b1.code])).status_code == 403
    client.force_login(branch.secretary_user_b1)
    assert client.get(url).status_code == 404


def test_export_runs_the_same_number_of_queries_for_more_items(client, branch, campaign, django_assert_num_queries):
    url = reverse("pledges:progress_sheet_export", args=[branch.branch_a1.code])
    client.force_login(branch.secretary_user_a1)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    more = make_pledge(campaign, branch.branch_a1, member=branch.secretary_a1, items=5)
    publish_with_approval(more, filer=branch.secretary_user_a1, approver=branch.leader_a, on=PUBLISHED_ON)
    with django_assert_num_queries(len(few)):
        response = client.get(url)
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["践诺进展"]
    assert sheet.max_row == 1 + 3 + 5


# --- the round trip ---------------------------------------------------------------


def test_round_trip_refuses_a_bad_file_then_writes_a_good_one_once(client, branch):
    blank = export(client, branch.secretary_user_a1, branch.branch_a1)
    first, second, member_item = branch.items
    forged_key = f"{member_item.pk}-" + item_key(first.pk).split("-", 1)[1]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    bad = fill(
        blank,
        {
            2: (datetime.date(2011, 5, 20), "腾出两间办公用房，服务站已挂牌开放", "是"),
            3: (tomorrow, "计划下月完成", "否"),
            4: {KEY: forged_key, DATE: datetime.date(2011, 5, 1), TEXT: "走访困难户5户"},
        },
    )
    response = upload(client, bad)
    result = response.context["result"]
    rows = errors_by_row(result)
    assert set(rows) == {3, 4}
    assert "晚于今天" in rows[3][0]
    assert "无效" in rows[4][0]
    html = response.content.decode()
    assert "第 3 行" in html and "第 4 行" in html
    token = response.context["token"]
    confirmed = client.post(reverse("pledges:progress_sheet_import_confirm", args=[token]), follow=True)
    assert "没有写入任何数据" in confirmed.content.decode()
    assert ProgressEntry.objects.count() == 0

    good = fill(
        blank,
        {
            2: (datetime.date(2011, 5, 20), "腾出两间办公用房，服务站已挂牌开放", "是"),
            3: ("2011/6/2", "配备代办员2名，已代办低保事项12件", None),
            # Row 4 (the member's item) is left empty: skipped without a word.
        },
    )
    response = upload(client, good)
    result = response.context["result"]
    assert result.ok and len(result.entries) == 2 and result.completed == 1
    token = response.context["token"]
    done = client.post(reverse("pledges:progress_sheet_import_confirm", args=[token]), follow=True)
    assert "新增 2 条进展" in done.content.decode()
    entries = list(ProgressEntry.objects.order_by("item__order"))
    assert [(entry.item_id, entry.recorded_on, entry.marks_done) for entry in entries] == [
        (first.pk, datetime.date(2011, 5, 20), True),
        (second.pk, datetime.date(2011, 6, 2), False),
    ]
    assert entries[0].recorded_by == branch.secretary_user_a1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.completed_on == datetime.date(2011, 5, 20)
    assert second.completed_on is None
    branch.own_pledge.refresh_from_db()
    assert branch.own_pledge.state == PledgeState.IN_PROGRESS
    # The file is gone once imported.
    assert client.get(reverse("pledges:progress_sheet_import_preview", args=[token])).status_code == 404

    again = upload(client, good).context
    assert again["result"].ok and again["result"].entries == [] and again["result"].unchanged == 2
    client.post(reverse("pledges:progress_sheet_import_confirm", args=[again["token"]]))
    assert ProgressEntry.objects.count() == 2


def test_leader_imports_a_branch_sheet(client, branch):
    blank = export(client, branch.leader_a, branch.branch_a1)
    response = upload(client, fill(blank, {4: ("2011-04-01", "走访困难户5户", "否")}))
    client.post(reverse("pledges:progress_sheet_import_confirm", args=[response.context["token"]]))
    assert list(ProgressEntry.objects.values_list("item_id", "recorded_by")) == [
        (branch.items[2].pk, branch.leader_a.pk)
    ]


def test_another_branch_cannot_import_this_branchs_sheet(client, branch):
    filled = fill(export(client, branch.secretary_user_a1, branch.branch_a1), {2: ("2011-04-01", "已开工", "否")})
    client.force_login(branch.secretary_user_b1)
    result = upload(client, filled).context["result"]
    assert "不在您的管理范围内" in errors_by_row(result)[2][0]


def test_one_refused_write_leaves_nothing_written(branch, monkeypatch):
    real = progress_sheet.progress_record
    calls = []

    def refuse_the_second(**kwargs):
        calls.append(kwargs["item"].pk)
        if len(calls) == 2:
            raise ValidationError("承诺状态刚被他人改变")
        return real(**kwargs)

    monkeypatch.setattr(progress_sheet, "progress_record", refuse_the_second)
    rows = [
        SheetRow(number=2, key=item_key(branch.items[0].pk), date="2011-05-01", text="第一条", done="是"),
        SheetRow(number=3, key=item_key(branch.items[1].pk), date="2011-05-02", text="第二条", done=""),
    ]
    with pytest.raises(ValidationError):
        progress_sheet_import(rows=rows, by=branch.secretary_user_a1)
    assert ProgressEntry.objects.count() == 0
    branch.items[0].refresh_from_db()
    assert branch.items[0].completed_on is None


# --- each reason a row is refused -------------------------------------------------


def test_every_bad_row_is_named_with_its_reason(branch, campaign):
    first, second, member_item = branch.items
    draft_item = branch.draft.items.get()
    other_branch = make_pledge(campaign, branch.branch_b1)
    publish_with_approval(other_branch, filer=branch.secretary_user_b1, approver=branch.office, on=PUBLISHED_ON)
    other_item = other_branch.items.get()
    gone = PledgeItem.objects.create(pledge=branch.own_pledge, target="临时", work="临时", measurable_result="临时")
    gone_key = item_key(gone.pk)
    gone.delete()
    ProgressEntry.objects.create(item=second, recorded_on=datetime.date(2011, 3, 1), text="已选址", marks_done=False)

    rows = [
        SheetRow(number=2, key=item_key(first.pk), date="明年五月", text="开工", done=""),
        SheetRow(number=3, key=item_key(first.pk), date=datetime.datetime(2011, 5, 1), text="", done=""),
        SheetRow(number=4, key=item_key(member_item.pk), date="2011-05-01", text="走访", done="完成了"),
        SheetRow(number=5, key=item_key(other_item.pk), date="2011-05-01", text="走访", done="否"),
        SheetRow(number=6, key=item_key(draft_item.pk), date="2011-05-01", text="走访", done="否"),
        SheetRow(number=7, key=gone_key, date="2011-05-01", text="走访", done="否"),
        SheetRow(number=8, key="", date="2011-05-01", text="走访", done="否"),
        SheetRow(number=9, key=item_key(second.pk), date="2011-03-01", text="已选址", done="是"),
        SheetRow(number=10, key=item_key(member_item.pk), date="", text="", done="是"),
    ]
    result = progress_sheet_import(rows=rows, by=branch.secretary_user_a1)
    found = errors_by_row(result)
    assert "无法识别" in found[2][0]
    assert "“进展情况”不能为空" in found[3][0]
    assert "只能填“是”或“否”" in found[4][0]
    assert "不在您的管理范围内" in found[5][0]
    assert "只有已公示、践诺中的承诺才能记录进展" in found[6][0]
    assert "已被删除" in found[7][0]
    assert "没有事项编号" in found[8][0]
    assert "没有标记完成" in found[9][0]
    assert any("“进展日期”不能为空" in message for message in found[10])
    assert not result.written
    assert ProgressEntry.objects.count() == 1


def test_the_same_progress_twice_in_one_file_is_recorded_once(branch):
    key = item_key(branch.items[0].pk)
    rows = [
        SheetRow(number=2, key=key, date="2011-05-01", text="开工", done=""),
        SheetRow(number=3, key=key, date="2011-05-01", text="开工", done=""),
        SheetRow(number=4, key=key, date="2011-06-01", text="完工", done="是"),
    ]
    result = progress_sheet_import(rows=rows, by=branch.secretary_user_a1)
    assert result.written and len(result.entries) == 2 and result.unchanged == 1
    assert ProgressEntry.objects.filter(item=branch.items[0]).count() == 2


# --- the file --------------------------------------------------------------------


def test_blank_rows_are_skipped_silently(client, branch):
    rows = read_progress_sheet(io.BytesIO(export(client, branch.secretary_user_a1, branch.branch_a1)))
    assert rows == []


def test_a_file_that_is_not_a_progress_sheet_is_refused_at_upload(client, branch):
    client.force_login(branch.secretary_user_a1)
    workbook = openpyxl.Workbook()
    workbook.active.append(["姓名", "性别"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(client, buffer.getvalue(), name="花名册.xlsx")
    assert "找不到“事项编号”列" in response.content.decode()
    response = upload(client, "事项编号,进展日期\n".encode(), name="进展表.csv")
    assert "不要另存为 CSV" in response.content.decode()
    assert ProgressEntry.objects.count() == 0


def test_members_and_inspectors_cannot_import(client, branch):
    for user in (branch.member_user_a1, branch.inspector_b):
        client.force_login(user)
        assert client.get(reverse("pledges:progress_sheet_import")).status_code == 403


def test_cancel_deletes_the_uploaded_file(client, branch, media):
    filled = fill(export(client, branch.secretary_user_a1, branch.branch_a1), {2: ("2011-04-01", "已开工", "否")})
    token = upload(client, filled).context["token"]
    assert list((media / "progress_sheets").glob("*.xlsx"))
    client.post(reverse("pledges:progress_sheet_import_cancel", args=[token]))
    assert not list((media / "progress_sheets").glob("*.xlsx"))
    assert ProgressEntry.objects.count() == 0


def test_someone_elses_upload_cannot_be_confirmed(client, branch):
    filled = fill(export(client, branch.secretary_user_a1, branch.branch_a1), {2: ("2011-04-01", "已开工", "否")})
    token = upload(client, filled).context["token"]
    client.force_login(branch.leader_a)
    assert client.post(reverse("pledges:progress_sheet_import_confirm", args=[token])).status_code == 404
    assert ProgressEntry.objects.count() == 0
