from django.utils import timezone

from campaign.tests.url_matrix import Rule, member_pk, org_code
from orgs.models import Reminder, ReminderKind

IMPORTERS = {"office", "leader"}


def reminder_pk(c, role, where):
    """A reminder of the role's own account inside; another account's outside."""
    own = {
        "office": c.office,
        "leader": c.leader_a,
        "inspector": c.inspector_b,
        "secretary": c.secretary_user_a1,
        "member": c.member_user_a1,
    }[role]
    now = timezone.now()
    reminder = Reminder.objects.create(
        user=own if where == "inside" else c.secretary_user_b1,
        kind=ReminderKind.RECTIFICATION_LATE,
        key=f"{role}-{where}",
        params={"organization": "北极村党支部", "problem": "问题", "deadline": "2011-05-01", "campaign": "活动"},
        url="/",
        created_at=now,
        due_seen_at=now,
    )
    return [reminder.pk]


RULES = {
    "orgs:organization": Rule(args=org_code),
    "orgs:member": Rule(args=member_pk),
    "orgs:organization_describe": Rule(args=org_code, allowed=IMPORTERS),
    "orgs:accounts_open": Rule(method="POST", args=org_code, allowed={"office", "leader", "secretary"}),
    "orgs:account_reset": Rule(method="POST", args=member_pk, allowed={"office", "leader", "secretary"}),
    "orgs:roster_import": Rule(allowed=IMPORTERS, scoped=False),
    # A token that is not in the user's session is a 404 for those who may import at all.
    "orgs:roster_import_preview": Rule(args=lambda *a: ["x" * 32], allowed=IMPORTERS, scoped=False, ok=404),
    "orgs:roster_import_confirm": Rule(
        method="POST", args=lambda *a: ["x" * 32], allowed=IMPORTERS, scoped=False, ok=404
    ),
    "orgs:roster_import_cancel": Rule(
        method="POST", args=lambda *a: ["x" * 32], allowed=IMPORTERS, scoped=False, ok=302
    ),
    "orgs:export_organizations": Rule(scoped=False),
    "orgs:export_members": Rule(scoped=False),
    "orgs:export_template": Rule(args=lambda *a: ["members"], scoped=False),
    # Everyone may dismiss their own reminders and nobody another's (404, as if missing).
    "orgs:reminder_dismiss": Rule(method="POST", args=reminder_pk, ok=302),
}
