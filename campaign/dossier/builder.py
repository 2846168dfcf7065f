"""What a unit's dossier (案卷) holds, read from the records: the content of the PDF and
the list of evidence files for the zip.

What an inspection group asks a unit for is its own file: the unit's pledges and its
members' pledges (承诺全覆盖 is checked member by member), their progress, the leader
reviews of the unit and of its members, the mass evaluation of the unit and its members,
the unit's rectification tasks (its members' included, they are filed on the unit) and
the inspection visits to it. Subordinate organizations are not folded in: a township
committee's dossier is the committee's own, and each branch below it has a dossier of its
own, as each keeps its own 台账.

Sections come in the order the work is done and checked: pledges, progress, reviews,
evaluation, rectification, inspection. A section with nothing in it says 无 rather than
vanish, so a reader sees it was looked for. Evaluation results are only what the results
page shows (reviews.results.round_results: tallied rounds only, categories under the
secrecy minimum folded into the overall line).

Everything is read with the unit and the campaign as filters, outside any user's scope:
the view checked the requester's right to the unit before the build was queued.
"""

from __future__ import annotations

import base64
import datetime
import io
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from campaign.campaigns.models import Campaign
from campaign.inspections.models import Finding, FindingAttachment, Visit, VisitMethod
from orgs.models import Organization, User
from pledges.models import (
    Evidence,
    Opinion,
    Pledge,
    PledgeItem,
    PledgeKind,
    ProgressEntry,
    PublicationChannel,
    Rectification,
    RectificationEvidence,
    RectificationSignOff,
)
from pledges.progress import IMAGE_TYPES
from reviews.models import EvaluationRound, Review, ReviewSection
from reviews.results import MIN_CATEGORY_FORMS, RESULT_STATES, round_results

logger = logging.getLogger(__name__)

# Photos are printed as thumbnails: enough to see what they show, small enough that a
# branch's hundred photos make a PDF of a few MB. The originals are in the zip.
THUMBNAIL_SIDE = 360
THUMBNAIL_QUALITY = 70

# Folders of the zip, one per section that has files, numbered in the PDF's order.
FOLDER_PROGRESS = "1-践诺佐证材料"
FOLDER_RECTIFICATION = "2-整改佐证材料"
FOLDER_FINDINGS = "3-检查发现附件"


@dataclass
class Attachment:
    """One evidence file: where it goes in the zip, and a thumbnail when it is a photo."""

    name: str  # the original name, as uploaded
    zip_path: str  # folder/unique name inside the zip
    file: Any  # the FieldFile, read when the zip is written
    content_type: str
    size: int
    thumbnail: str = ""  # a data: URI, for photos
    missing: bool = False


@dataclass
class DossierFiles:
    """The zip's evidence files, each name unique within its folder."""

    attachments: list[Attachment] = field(default_factory=list)
    _taken: set[str] = field(default_factory=set)

    def add(self, folder: str, stored) -> Attachment:
        path = self._unique(folder, stored.original_name or "file")
        attachment = Attachment(
            name=stored.original_name,
            zip_path=path,
            file=stored.file,
            content_type=stored.content_type,
            size=stored.size,
        )
        if stored.content_type in IMAGE_TYPES:
            attachment.thumbnail, attachment.missing = _thumbnail(stored.file)
        self.attachments.append(attachment)
        return attachment

    def _unique(self, folder: str, name: str) -> str:
        stem, dot, extension = name.rpartition(".")
        if not dot:
            stem, extension = name, ""
        candidate, number = f"{folder}/{name}", 1
        while candidate.lower() in self._taken:
            number += 1
            candidate = f"{folder}/{stem}({number}){dot}{extension}"
        self._taken.add(candidate.lower())
        return candidate


def _thumbnail(file) -> tuple[str, bool]:
    """A small JPEG of a stored photo as a data: URI (the renderer fetches nothing else),
    and whether the file is missing or unreadable."""
    try:
        with file.open("rb") as handle, Image.open(handle) as image:
            image.draft("RGB", (THUMBNAIL_SIDE, THUMBNAIL_SIDE))
            image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
            output = io.BytesIO()
            image.convert("RGB").save(output, "JPEG", quality=THUMBNAIL_QUALITY)
    except (FileNotFoundError, ValueError, OSError, UnidentifiedImageError, Image.DecompressionBombError):
        logger.warning("dossier: evidence photo %s could not be read", getattr(file, "name", file))
        return "", True
    return "data:image/jpeg;base64," + base64.b64encode(output.getvalue()).decode("ascii"), False


def _name(user: User | None) -> str:
    return user.display_name if user is not None else ""


def _choice_label(choices, value: str) -> str:
    return str(dict(choices.choices).get(value, value)) if value else ""


# --- Pledges and their progress ---------------------------------------------------------


def _pledges(campaign: Campaign, organization: Organization, files: DossierFiles) -> list[dict]:
    """The unit's own pledge(s) first, then its members' by name; each with every
    published version, and its items with their progress entries and evidence."""
    # Entries removed within their correction window are not part of the record.
    entries = (
        ProgressEntry.objects.filter(removed_at__isnull=True)
        .select_related("recorded_by__member")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("pk")))
    )
    pledges = (
        Pledge.objects.filter(campaign=campaign, organization=organization)
        .select_related("member", "assessed_by__member")
        .prefetch_related(
            "versions",
            Prefetch(
                "items",
                queryset=PledgeItem.objects.select_related("dimension").prefetch_related(
                    Prefetch("progress_entries", queryset=entries)
                ),
            ),
        )
    )
    pledges = sorted(
        pledges,
        key=lambda pledge: (pledge.member_id is not None, pledge.member.name if pledge.member_id else "", pledge.pk),
    )
    result = []
    for pledge in pledges:
        versions = [
            {
                "number": version.number,
                "published_on": version.published_on,
                "channel": _choice_label(PublicationChannel, version.publication_channel),
                "content": _version_content(version.content),
            }
            for version in pledge.versions.all()
        ]
        items = []
        for item in pledge.items.all():
            progress = []
            for entry in item.progress_entries.all():
                progress.append(
                    {
                        "recorded_on": entry.recorded_on,
                        "text": entry.text,
                        "marks_done": entry.marks_done,
                        "recorded_by": _name(entry.recorded_by),
                        "files": [files.add(FOLDER_PROGRESS, evidence) for evidence in entry.evidence.all()],
                    }
                )
            items.append({"item": item, "progress": progress})
        result.append(
            {
                "pledge": pledge,
                "pledger": pledge.pledger_name,
                "versions": versions,
                "items": items,
                "assessed_by": _name(pledge.assessed_by),
            }
        )
    return result


def _version_content(content: dict) -> dict:
    """A frozen version's content as the template prints it: labels for kinds and methods."""
    return {
        "title": content.get("title", ""),
        "kind": _choice_label(PledgeKind, content.get("kind", "")),
        "opinions": [
            {
                "solicited_on": opinion.get("solicited_on", ""),
                "method": _choice_label(Opinion.Method, opinion.get("method", "")),
                "summary": opinion.get("summary", ""),
            }
            for opinion in content.get("opinions", [])
        ],
        "items": content.get("items", []),
    }


# --- Reviews and evaluation -------------------------------------------------------------


def _reviews(campaign: Campaign, organization: Organization) -> list[Review]:
    """Reviews of the unit, then of its members, each in date order."""
    reviews = (
        Review.objects.filter(campaign=campaign, organization=organization)
        .select_related("member", "reviewer__member", "reviewer_organization", "rectification")
        .prefetch_related(Prefetch("sections", queryset=ReviewSection.objects.select_related("dimension")))
    )
    return sorted(reviews, key=lambda review: (review.member_id is not None, review.reviewed_on, review.pk))


def _evaluations(campaign: Campaign, organization: Organization) -> list[dict]:
    """Each round of the unit: its results once tallied, else only that it is not."""
    rounds = EvaluationRound.objects.filter(campaign=campaign, organization=organization).select_related(
        "campaign", "organization"
    )
    result = []
    for evaluation_round in sorted(rounds, key=lambda r: (r.opens_at, r.pk)):
        tallied = evaluation_round.state in RESULT_STATES
        result.append(
            {
                "round": evaluation_round,
                "results": round_results(evaluation_round) if tallied else None,
            }
        )
    return result


# --- Rectification and inspection -------------------------------------------------------


def _rectifications(campaign: Campaign, organization: Organization, files: DossierFiles) -> list[dict]:
    tasks = (
        Rectification.objects.filter(campaign=campaign, organization=organization)
        .select_related("member", "pledge_item__pledge", "verified_by__member", "found_by")
        .prefetch_related(
            Prefetch("evidence", queryset=RectificationEvidence.objects.select_related("uploaded_by__member")),
            Prefetch("sign_offs", queryset=RectificationSignOff.objects.select_related("checked_by__member")),
        )
        .order_by("created_at", "pk")
    )
    return [
        {
            "task": task,
            "files": [files.add(FOLDER_RECTIFICATION, evidence) for evidence in task.evidence.all()],
            "sign_offs": [
                {
                    "outcome": sign_off.get_outcome_display(),
                    "note": sign_off.note,
                    "checked_by": _name(sign_off.checked_by),
                    "checked_at": sign_off.checked_at,
                }
                for sign_off in task.sign_offs.all()
            ],
        }
        for task in tasks
    ]


def _visits(campaign: Campaign, organization: Organization, files: DossierFiles) -> list[dict]:
    findings = Finding.objects.select_related("checklist_item", "rectification", "recorded_by").prefetch_related(
        Prefetch("attachments", queryset=FindingAttachment.objects.order_by("pk"))
    )
    visits = (
        Visit.objects.filter(campaign=campaign, organization=organization)
        .select_related("inspector", "looks_back_at")
        .prefetch_related("checklist", Prefetch("findings", queryset=findings))
    )
    result = []
    for visit in sorted(visits, key=lambda v: (v.visited_on or v.planned_on, v.pk)):
        result.append(
            {
                "visit": visit,
                "inspector": _name(visit.inspector),
                "methods": "、".join(_choice_label(VisitMethod, method) for method in visit.methods or []),
                "checklist": list(visit.checklist.all()),
                "findings": [
                    {
                        "finding": finding,
                        "files": [files.add(FOLDER_FINDINGS, attachment) for attachment in finding.attachments.all()],
                    }
                    for finding in visit.findings.all()
                ],
            }
        )
    return result


# --- The whole ---------------------------------------------------------------------------


@dataclass
class DossierContent:
    context: dict
    files: DossierFiles


def dossier_content(
    *, campaign: Campaign, organization: Organization, built_at: datetime.datetime, built_by: User | None
) -> DossierContent:
    """The PDF template's context and the zip's files, for the unit in the campaign.
    A fixed number of queries per section, plus one per evaluation round and a file read
    per photo; call it in a scope that sees the unit (the build task runs unscoped)."""
    files = DossierFiles()
    ancestors = list(Organization.objects.filter(path__in=organization.ancestor_paths()).order_by("path"))
    pledges = _pledges(campaign, organization, files)
    context = {
        "campaign": campaign,
        "organization": organization,
        "lineage": " / ".join(o.name for o in [*ancestors, organization]),
        "built_at": built_at,
        "built_by": _name(built_by),
        "pledges": pledges,
        "progress_pledges": [entry for entry in pledges if any(item["progress"] for item in entry["items"])],
        "reviews": _reviews(campaign, organization),
        "evaluations": _evaluations(campaign, organization),
        "min_category_forms": MIN_CATEGORY_FORMS,
        "rectifications": _rectifications(campaign, organization, files),
        "visits": _visits(campaign, organization, files),
    }
    by_folder: dict[str, list[Attachment]] = defaultdict(list)
    for attachment in files.attachments:
        by_folder[attachment.zip_path.split("/", 1)[0]].append(attachment)
    context["file_folders"] = sorted(by_folder.items())
    context["file_count"] = len(files.attachments)
    context["no_entry"] = _("无")
    return DossierContent(context=context, files=files)
