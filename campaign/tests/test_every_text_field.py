"""Bad input: HTML, script and spreadsheet formulas typed into any text field.

Not a hand-kept list: every CharField and TextField of the project's models that a
person types (the short, explained SKIPPED list aside) is set, in every row, to markup
that starts like a formula. Then every GET page of the URL scope matrix, opened by the
office and by a branch secretary, still answers as the matrix says and shows the markup
as text; every .xlsx answer holds it as text, never as a formula; and the official
documents (every kind of circular, as HTML before WeasyPrint) print it as text.
"""

import datetime
import io

import pytest
from django.apps import apps
from django.db import models
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from openpyxl import load_workbook

from campaign.circulars.models import CircularKind
from campaign.circulars.services import circular_create
from campaign.circulars.snapshots import circular_preview
from campaign.tests import circular_fixtures as fx
from campaign.tests.factories import make_campaign
from campaign.tests.url_matrix import collect_rules, expected_status, user_for
from pledges.tests.factories import make_pledge

RULES = collect_rules()

PROJECT_APPS = ("orgs", "campaign", "pledges", "reviews")

# Machine data, not typed by anyone; changing it would break the test, not the page.
SKIPPED = {
    "orgs.Organization.code": "the organization's key in addresses and in the roster import",
    "orgs.Organization.notice_board_token": "a random token in the public board's address",
    "orgs.Organization.path": "the materialized path the scope is computed from",
    "orgs.User.password": "a password hash",
    "orgs.Reminder.key": "the reminder's de-duplication key",
    "orgs.Reminder.url": "a link built by the code",
    "campaign.VoteCode.code": "a one-time code in an address",
    "reviews.EvaluationCode.code": "a one-time code in an address",
    "campaign.Circular.sha256": "the issued file's hash",
    "campaign.InfoReportPhoto.content_type": "sniffed from the upload; sent as a header",
    "pledges.Evidence.content_type": "sniffed from the upload; sent as a header",
    "campaign.OutboxEntry.task": "a task's dotted name",
    # The keys of a campaign's evaluator categories and choices, copied by its rounds and
    # stored on codes, forms and tallies; people type the labels, which are poisoned.
    "campaign.CampaignEvaluatorCategory.key": "an evaluator category's key",
    "campaign.CampaignChoice.key": "a ballot choice's key",
    "reviews.RoundCategory.category": "an evaluator category's key",
    "reviews.RoundChoice.key": "a ballot choice's key",
    "reviews.EvaluationCode.category": "an evaluator category's key",
    "reviews.Ballot.category": "an evaluator category's key",
    "reviews.BallotChoice.category": "an evaluator category's key",
    "reviews.BallotChoice.choice": "a ballot choice's key",
    "reviews.PaperTally.category": "an evaluator category's key",
    "reviews.PaperCount.choice": "a ballot choice's key",
    "reviews.TallyResult.category": "an evaluator category's key",
    "reviews.HeldForm.kind": "which kind of box a sealed form waits in",
    "reviews.HeldForm.category": "an evaluator category's key",
}
RAW = ("<b data-xss", "<script>xss")
SHORT_MARKER = "<b data-xss>"
# Every value starts like a spreadsheet formula too; "=" is the one openpyxl would
# otherwise write as a formula, the others are what CSV injection uses.
PREFIXES = "=+-@"
PK_DIGITS = 7  # room for the row's id, which keeps unique fields unique


def typed_text_fields() -> list[tuple[type[models.Model], models.Field]]:
    fields = []
    for app in PROJECT_APPS:
        for model in apps.get_app_config(app).get_models():
            if model._meta.proxy or not model._meta.managed:
                continue
            for field in model._meta.concrete_fields:
                label = f"{model._meta.label}.{field.name}"
                # Historical models copy the live model's fields; skip the same ones there.
                live_label = label.replace(".Historical", ".", 1)
                if not isinstance(field, (models.CharField, models.TextField)) or field.choices:
                    continue
                if label in SKIPPED or live_label in SKIPPED:
                    continue
                fields.append((model, field))
    return fields


def marker(label: str, max_length: int | None, prefix: str) -> str:
    full = f'{prefix}<script>xss("{label}")</script>{SHORT_MARKER}'
    room = (max_length or 10**6) - PK_DIGITS
    return full if len(full) <= room else prefix + SHORT_MARKER


def poison_every_text_field() -> list[str]:
    """Every typed text of every row, as markup: one UPDATE per field."""
    poisoned = []
    for position, (model, field) in enumerate(typed_text_fields()):
        label = f"{model._meta.label}.{field.name}"
        value = marker(label, field.max_length, PREFIXES[position % len(PREFIXES)])
        assert field.max_length is None or len(value) + PK_DIGITS <= field.max_length, label
        model._base_manager.update(**{field.name: Concat(Value(value), Cast("pk", CharField()))})
        poisoned.append(label)
    return poisoned


def test_the_skip_list_names_real_fields():
    for label in SKIPPED:
        app_model, name = label.rsplit(".", 1)
        apps.get_model(app_model)._meta.get_field(name)


def test_the_fields_people_type_are_all_poisoned():
    labels = {f"{model._meta.label}.{field.name}" for model, field in typed_text_fields()}
    assert {
        "orgs.Organization.name",
        "orgs.Member.name",
        "pledges.PledgeItem.work",
        "campaign.Circular.preamble",
    } <= labels
    assert {"reviews.ReviewSection.problems", "pledges.HistoricalPledge.title"} <= labels
    assert "orgs.Organization.path" not in labels and "orgs.Member.gender" not in labels  # machine data, a choice
    assert all(len(marker(label, 20, "=")) + PK_DIGITS <= 20 for label in labels)


ROLES = ("office", "secretary")


def circular_drafts(c) -> list:
    """A draft of every kind, over data in its period; its texts get poisoned with the rest."""
    campaign = make_campaign(c.county, name="通报测试活动")
    fx.tallied_rounds(c, campaign)
    fx.reports(c, campaign)
    fx.selected_models(c, campaign)
    make_pledge(campaign, c.branch_a1, title="便民服务承诺")
    fx.monthly_values(c, campaign)  # before the period covering March is finalized
    period = fx.finalized_period(c, campaign)
    drafts = [
        fx.draft(campaign, CircularKind.EVALUATION, start=datetime.date(2010, 7, 1)),
        fx.draft(campaign, CircularKind.REPORTS, start=datetime.date(2011, 1, 1)),
        fx.draft(campaign, CircularKind.PROGRESS, start=datetime.date(2011, 1, 1)),
        fx.draft(campaign, CircularKind.COMMENDATION, start=datetime.date(2011, 1, 1)),
        fx.draft(campaign, CircularKind.MONTHLY, start=fx.MARCH_2011),
        fx.draft(campaign, CircularKind.CRITICISM, start=datetime.date(2011, 1, 1)),
        circular_create(
            campaign=campaign, kind=CircularKind.RANKING, score_period=period, by=None, today=datetime.date(2012, 6, 30)
        ),
    ]
    assert {draft.kind for draft in drafts} == set(CircularKind.values)
    return drafts


def spreadsheet_cells(content: bytes):
    workbook = load_workbook(io.BytesIO(content))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            yield from row


def check_spreadsheet(where: str, content: bytes) -> bool:
    """No cell is a formula; the poisoned texts are there as typed. True if any was."""
    seen = False
    for cell in spreadsheet_cells(content):
        assert cell.data_type != "f", f"{where}: {cell.coordinate} is a formula: {cell.value!r}"
        seen = seen or (isinstance(cell.value, str) and SHORT_MARKER in cell.value)
    return seen


@pytest.mark.django_db
def test_markup_in_every_text_field_is_shown_as_text_everywhere(client, matrix_county):
    c = matrix_county
    # The rules' arguments make their objects now, so that the poison reaches them too.
    visits = [
        (role, name, reverse(name, args=rule.args(c, role, "inside") if rule.args else []))
        for role in ROLES
        for name, rule in RULES.items()
        if rule.method == "GET"
    ]
    drafts = circular_drafts(c)
    poisoned = poison_every_text_field()
    assert len(poisoned) > 80

    spreadsheets_with_poison = pages_with_poison = 0
    for role, name, url in visits:
        client.force_login(user_for(c, role))
        # Two campaigns run: the pages work in the circulars' one, chosen as a user would.
        client.post(reverse("campaign:choose"), {"campaign": drafts[0].campaign_id})
        response = client.get(url)
        assert response.status_code == expected_status(RULES[name], role, "inside"), f"{role} GET {url} ({name})"
        content_type = response.get("Content-Type", "")
        if "html" in content_type:
            page = response.content.decode()
            pages_with_poison += "&lt;b data-xss" in page
            for raw in RAW:
                at = page.find(raw)
                assert at < 0, f"{role} GET {url} ({name}) shows markup unescaped: {page[max(at - 200, 0) : at + 80]}"
        elif "spreadsheetml" in content_type:
            spreadsheets_with_poison += check_spreadsheet(f"{role} GET {url} ({name})", b"".join(response))
    # The poison did reach the pages and the exports.
    assert pages_with_poison > len(visits) / 2
    assert spreadsheets_with_poison >= 5

    for draft in drafts:
        draft.refresh_from_db()
        html = circular_preview(circular=draft)
        assert "&lt;b data-xss" in html, draft.kind  # the poison reached the document
        for raw in RAW:
            at = html.find(raw)
            assert at < 0, f"circular {draft.kind} prints markup unescaped: {html[max(at - 200, 0) : at + 80]}"
