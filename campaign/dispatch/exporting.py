"""The returns of one task as .xlsx (orgs.sheets.writing writes every table)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.dispatch.models import DispatchTask
from campaign.dispatch.selectors import RecipientRow
from orgs.sheets.writing import Table, xlsx_tables

WIDTHS = (8, 28, 12, 12, 18, 12, 60, 30, 24)


def returns_export(task: DispatchTask, rows: list[RecipientRow]) -> bytes:
    """One line per recipient: its deadline, state, when and who returned, the text and
    the names of the files, and any extension asked for."""
    lines = []
    for index, row in enumerate(rows, start=1):
        recipient, report = row.recipient, row.report
        extension = ""
        if recipient.extension_decision:
            extension = _("申请延期至%(until)s（%(decision)s）") % {
                "until": recipient.extension_requested_until.isoformat() if recipient.extension_requested_until else "",
                "decision": recipient.get_extension_decision_display(),
            }
        lines.append(
            [
                index,
                recipient.organization.name,
                recipient.deadline.isoformat(),
                str(row.label),
                timezone.localtime(report.returned_at).strftime("%Y-%m-%d %H:%M") if report else "",
                (report.returned_by.display_name if report.returned_by else "") if report else "",
                report.text if report else "",
                "、".join(file.original_name for file in report.files.all()) if report else "",
                extension,
            ]
        )
    header = [
        _("序号"),
        _("承办单位"),
        _("报送时限"),
        _("状态"),
        _("报送时间"),
        _("报送人"),
        _("报告内容"),
        _("附件"),
        _("延期申请"),
    ]
    caption = _("%(sender)s部署：%(title)s（报送时限%(deadline)s）") % {
        "sender": task.sender.name,
        "title": task.title,
        "deadline": task.deadline.isoformat(),
    }
    return xlsx_tables([Table(title=_("报送情况"), header=header, rows=lines, widths=WIDTHS, caption=caption)])
