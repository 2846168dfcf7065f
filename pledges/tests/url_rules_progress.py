"""Scope rules for the progress, evidence, rectification, supervision and notice-board
URLs (the builders they share with the tests of those pages are in factories.py)."""

import datetime

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from campaign.tests.factories import make_campaign
from campaign.tests.url_matrix import Rule, inside_org, outside_org
from pledges.models import (
    Evidence,
    ProgressEntry,
    Rectification,
    Supervision,
)
from pledges.tests.factories import TINY_PNG, make_pledge, publish_directly

MATRIX_FILE = "evidence/url-rules-sample"


def _cached(c, key, build):
    if not hasattr(c, key):
        setattr(c, key, build())
    return getattr(c, key)


def matrix_campaign(c):
    return _cached(c, "_progress_campaign", lambda: make_campaign(c.county))


def published_item(c, organization):
    """A late item (due 2011) of a published organization pledge."""

    def build():
        pledge = publish_directly(make_pledge(matrix_campaign(c), organization, title="便民服务承诺"))
        return pledge.items.get()

    return _cached(c, f"_progress_item_{organization.pk}", build)


def public_evidence(c, organization):
    def build():
        item = published_item(c, organization)
        entry = ProgressEntry.objects.create(item=item, recorded_on=datetime.date(2011, 3, 1), text="服务站已动工")
        # One small shared file: the matrix has no per-test media folder of its own.
        if not default_storage.exists(MATRIX_FILE):
            default_storage.save(MATRIX_FILE, ContentFile(TINY_PNG))
        return Evidence.objects.create(
            entry=entry, file=MATRIX_FILE, original_name="现场.png", content_type="image/png", size=len(TINY_PNG)
        )

    return _cached(c, f"_progress_evidence_{organization.pk}", build)


def rectification(c, organization):
    def build():
        return Rectification.objects.create(
            campaign=matrix_campaign(c),
            organization=organization,
            category="服务群众",
            problem="便民服务站开放时间不固定",
            measure="排定值班表并在公开栏公布",
            owner="支部书记",
            deadline=datetime.date(2011, 5, 1),
        )

    return _cached(c, f"_progress_rectification_{organization.pk}", build)


def supervision(c, organization):
    def build():
        return Supervision.objects.create(
            organization=organization,
            pledge_item=published_item(c, organization),
            supervisor=c.office,
            deadline=datetime.date(2011, 9, 1),
            notes="月底前报送进展",
        )

    return _cached(c, f"_progress_supervision_{organization.pk}", build)


def _org(c, role, where):
    return (inside_org if where == "inside" else outside_org)(c, role)


def item_pk(c, role, where):
    return [published_item(c, _org(c, role, where)).pk]


def evidence_pk(c, role, where):
    return [public_evidence(c, _org(c, role, where)).pk]


def rectification_pk(c, role, where):
    return [rectification(c, _org(c, role, where)).pk]


def supervision_pk(c, role, where):
    return [supervision(c, _org(c, role, where)).pk]


def board_token(c, role, where):
    return [c.branch_a1.notice_board_token]


def board_evidence_args(c, role, where):
    return [c.branch_a1.notice_board_token, public_evidence(c, c.branch_a1).pk]


MANAGERS = {"office", "leader", "secretary"}
# 挂牌督办 comes from above: the branch secretary does not supervise the branch.
SUPERVISORS = {"office", "leader"}

RULES = {
    "pledges:item_progress": Rule(args=item_pk),
    "pledges:evidence": Rule(args=evidence_pk),
    "pledges:evidence_visibility": Rule(method="POST", args=evidence_pk, allowed=MANAGERS, ok=302),
    "pledges:board_links": Rule(scoped=False),
    "pledges:rectifications": Rule(scoped=False),
    "pledges:rectification_create": Rule(scoped=False, allowed=MANAGERS),
    "pledges:rectification_categories": Rule(scoped=False),
    "pledges:rectification_publish_category": Rule(method="POST", scoped=False, allowed=MANAGERS, ok=302),
    "pledges:rectification": Rule(args=rectification_pk),
    "pledges:rectification_edit": Rule(args=rectification_pk, allowed=MANAGERS),
    "pledges:rectification_report": Rule(args=rectification_pk, allowed=MANAGERS),
    "pledges:rectification_publish": Rule(method="POST", args=rectification_pk, allowed=MANAGERS, ok=302),
    "pledges:rectification_unpublish": Rule(method="POST", args=rectification_pk, allowed=MANAGERS, ok=302),
    "pledges:supervision_open_rectification": Rule(args=rectification_pk, allowed=SUPERVISORS),
    "pledges:supervision_open_item": Rule(args=item_pk, allowed=SUPERVISORS),
    "pledges:supervisions": Rule(scoped=False),
    "pledges:supervision": Rule(args=supervision_pk),
    # Inspection groups file follow-up notes (督查) in the subtrees they inspect.
    "pledges:supervision_follow_up": Rule(
        method="POST", args=supervision_pk, allowed=SUPERVISORS | {"inspector"}, ok=302
    ),
    "pledges:supervision_close": Rule(method="POST", args=supervision_pk, allowed=SUPERVISORS, ok=302),
    # The notice board is public: a random token, no login, the same for everyone.
    "board:organization": Rule(args=board_token, public=True, scoped=False),
    "board:qr": Rule(args=board_token, public=True, scoped=False),
    "board:evidence": Rule(args=board_evidence_args, public=True, scoped=False),
}
