import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from campaign.dispatch.models import DispatchAttachment, DispatchRecipient, DispatchReturn, DispatchTask
from campaign.dispatch.services import _store
from campaign.tests.url_matrix import Rule, inside_org, outside_org
from campaign.tests.url_rules_reports import _campaign
from pledges.progress import evidence_check

READERS = {"office", "leader", "inspector", "secretary"}
SENDERS = {"office", "leader", "secretary"}
# The task below is sent by the county: its office manages it; the branch's secretary answers.
SENDER = {"office"}
ANSWERER = {"secretary"}


def _recipient(c, role, where) -> DispatchRecipient:
    organization = (inside_org if where == "inside" else outside_org)(c, role)
    sender = c.county if where == "inside" else (organization.parent or organization)
    task = DispatchTask.objects.create(
        campaign=_campaign(c),
        sender=sender,
        title="关于报送公开承诺兑现情况的通知",
        body="请于11月15日前书面报告公开承诺兑现情况。",
        deadline=datetime.date.today() + datetime.timedelta(days=10),
    )
    return DispatchRecipient.objects.create(task=task, organization=organization)


def task_pk(c, role, where):
    return [_recipient(c, role, where).task_id]


def recipient_pk(c, role, where):
    return [_recipient(c, role, where).pk]


def _png(name: str):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return evidence_check(SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png"))


def attachment_pk(c, role, where):
    task = _recipient(c, role, where).task
    return [_store(DispatchAttachment, _png("通知.png"), task=task).pk]


def return_file_pk(c, role, where):
    from django.utils import timezone

    from campaign.dispatch.models import DispatchReturnFile

    report = DispatchReturn.objects.create(
        recipient=_recipient(c, role, where), text="已完成。", returned_at=timezone.now()
    )
    return [_store(DispatchReturnFile, _png("报告.png"), report=report).pk]


def with_campaign(c, role, where):
    _campaign(c)
    return []


RULES = {
    "campaign:dispatch": Rule(args=with_campaign, allowed=READERS, scoped=False),
    "campaign:dispatch_create": Rule(args=with_campaign, allowed=SENDERS, scoped=False),
    "campaign:dispatch_task": Rule(args=task_pk, allowed=READERS),
    "campaign:dispatch_remind": Rule(args=task_pk, method="POST", allowed=SENDER, ok=302),
    "campaign:dispatch_export": Rule(args=task_pk, allowed=SENDER),
    "campaign:dispatch_attachment": Rule(args=attachment_pk, allowed=READERS),
    "campaign:dispatch_recipient": Rule(args=recipient_pk, allowed=READERS),
    # An empty return is refused on the page, shown again with the reason.
    "campaign:dispatch_return": Rule(args=recipient_pk, method="POST", allowed=ANSWERER),
    "campaign:dispatch_extension": Rule(args=recipient_pk, method="POST", allowed=ANSWERER, ok=302),
    "campaign:dispatch_extension_decide": Rule(args=recipient_pk, method="POST", allowed=SENDER, ok=302),
    "campaign:dispatch_return_file": Rule(args=return_file_pk, allowed=READERS),
}
