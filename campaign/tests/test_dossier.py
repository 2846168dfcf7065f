"""案卷: a unit's dossier holds every record of it in order, in a PDF and a zip of the
evidence; only those who may read the unit's records build and read it; a build runs once."""

import datetime
import io
import time
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from campaign.dossier.builder import dossier_content
from campaign.dossier.models import DossierBuild, DossierState
from campaign.dossier.services import dossier_request, dossiers_resume_stalled
from campaign.dossier.tasks import build_dossier
from campaign.infra.documents import render_html
from campaign.inspections.models import ChecklistItem, CheckResult, Finding, FindingAttachment, Visit, VisitState
from campaign.tests.factories import dimension
from orgs.models import Role
from orgs.tests.factories import make_organization, make_user
from pledges.models import (
    Evidence,
    PledgeItem,
    ProgressEntry,
    RectificationEvidence,
    RectificationSignOff,
    RectificationSource,
    RectificationStatus,
    SignOffOutcome,
)
from pledges.tests.factories import make_pledge, make_rectification, png_bytes, publish_directly
from reviews.models import Choice, EvaluatorCategory, ReviewSection, RoundState
from reviews.tally import round_tally
from reviews.tests.factories import cast, make_review, make_round, paper

PHOTO = png_bytes(size=(240, 160), color=(40, 120, 200))


def _file(model, name, **fields):
    row = model(original_name=name, content_type="image/png", size=len(PHOTO), **fields)
    row.file.save("x", ContentFile(PHOTO), save=False)
    row.save()
    return row


@pytest.fixture
def inspector_a(county):
    return make_user("inspector_a", Role.INSPECTOR, inspected=[county.township_a])


@pytest.fixture
def busy_branch(county, campaign, inspector_a, media):
    """红湾社区党支部 with one record of every kind (and two photos of the same name)."""
    branch = county.branch_a1
    pledge = make_pledge(campaign, branch, title="建设社区便民服务站", items=1)
    publish_directly(pledge, on=datetime.date(2010, 7, 1))
    PledgeItem.objects.filter(pledge=pledge).update(target="建成社区便民服务站并延长开放时间")
    publish_directly(pledge, on=datetime.date(2011, 1, 10))
    item = pledge.items.get()
    entry = ProgressEntry.objects.create(
        item=item, recorded_on=datetime.date(2011, 3, 1), text="服务站挂牌开放，代办低保23件"
    )
    _file(Evidence, "服务站照片.png", entry=entry)
    _file(Evidence, "服务站照片.png", entry=entry)
    member_pledge = make_pledge(campaign, branch, member=county.member_a1, title="每月走访困难户")
    publish_directly(member_pledge, on=datetime.date(2010, 7, 5))

    review = make_review(campaign, branch, reviewer=county.leader_a)
    ReviewSection.objects.create(
        review=review, dimension=dimension(campaign, "领导班子好"), achievements="班子团结", problems="学习制度落实不够"
    )

    evaluation_round = make_round(campaign, branch, state=RoundState.CLOSED)
    subjects = list(evaluation_round.subjects.all())
    cast(evaluation_round, EvaluatorCategory.PUBLIC, [dict.fromkeys(subjects, Choice.SATISFIED)] * 10)
    paper(evaluation_round, EvaluatorCategory.PARTY_MEMBER, 3, {subject: {Choice.SATISFIED: 3} for subject in subjects})
    round_tally(round_id=evaluation_round.pk)

    task = make_rectification(campaign, branch, datetime.date(2011, 4, 30), solved_on=datetime.date(2011, 4, 20))
    task.source = RectificationSource.INSPECTION
    task.problem = "公开栏承诺内容未及时更新"
    task.status, task.verified_at = RectificationStatus.VERIFIED, timezone.now()
    task.save()
    _file(RectificationEvidence, "更新后的公开栏.png", rectification=task)
    RectificationSignOff.objects.create(
        rectification=task,
        outcome=SignOffOutcome.SENT_BACK,
        note="照片看不清承诺内容，请补充",
        checked_by=inspector_a,
        checked_at=timezone.now() - datetime.timedelta(days=3),
    )
    RectificationSignOff.objects.create(
        rectification=task,
        outcome=SignOffOutcome.SIGNED_OFF,
        note="已按期更新，同意销号",
        checked_by=inspector_a,
        checked_at=timezone.now(),
    )

    visit = Visit.objects.create(
        campaign=campaign,
        organization=branch,
        inspector=inspector_a,
        state=VisitState.RECORDED,
        planned_on=datetime.date(2011, 4, 1),
        visited_on=datetime.date(2011, 4, 2),
        members="第二巡回检查组 李明、王芳",
        methods=["report", "on_site"],
        summary="听取书记汇报，实地查看公开栏",
    )
    line = ChecklistItem.objects.create(visit=visit, text="公开承诺是否上墙", result=CheckResult.PROBLEM)
    finding = Finding.objects.create(
        visit=visit, checklist_item=line, description="公开栏仍是去年的承诺", rectification=task
    )
    _file(FindingAttachment, "公开栏现场.png", finding=finding)
    return branch


def _built(county, campaign, branch, django_capture_on_commit_callbacks, by=None) -> DossierBuild:
    with django_capture_on_commit_callbacks(execute=True):
        build = dossier_request(campaign=campaign, organization=branch, by=by or county.office)
    build.refresh_from_db()
    return build


SECTIONS = [
    "一、公开承诺",
    "二、践诺记录",
    "三、领导点评",
    "四、群众评议结果",
    "五、整改落实与验收",
    "六、检查走访",
    "七、佐证材料清单",
]


def test_the_dossier_pdf_holds_every_record_of_the_unit_in_order(
    county, campaign, busy_branch, django_capture_on_commit_callbacks, read_pdf
):
    build = _built(county, campaign, busy_branch, django_capture_on_commit_callbacks)

    assert build.state == DossierState.READY and build.progress == 100
    contents = read_pdf(build.pdf.read())
    text = "".join(contents.pages).replace("\n", "")
    assert build.pages == len(contents.pages) >= len(SECTIONS)
    positions = [text.index(heading) for heading in SECTIONS]
    assert positions == sorted(positions)
    for expected in (
        "红湾社区党支部",
        "创先争优活动",
        "建设社区便民服务站",
        "第1版",
        "第2版",
        "建成社区便民服务站并延长开放时间",
        "钟建军：每月走访困难户",
        "服务站挂牌开放，代办低保23件",
        "服务站照片.png",
        "学习制度落实不够",
        "公开栏承诺内容未及时更新",
        "更新后的公开栏.png",
        "照片看不清承诺内容，请补充",
        "退回重改",
        "已按期更新，同意销号",
        "第二巡回检查组",
        "听取汇报、实地考察",
        "公开承诺是否上墙",
        "公开栏仍是去年的承诺",
        "公开栏现场.png",
    ):
        assert expected in text, expected
    assert contents.missing_glyphs() == []
    assert any("CJK" in font.name for font in contents.fonts.values())


def test_the_zip_holds_every_evidence_file_by_section_with_unique_names_and_the_pdf(
    county, campaign, busy_branch, django_capture_on_commit_callbacks
):
    build = _built(county, campaign, busy_branch, django_capture_on_commit_callbacks)

    with zipfile.ZipFile(io.BytesIO(build.zip.read())) as archive:
        names = archive.namelist()
        assert archive.read("1-践诺佐证材料/服务站照片.png") == PHOTO
        pdf = [name for name in names if name.endswith(".pdf")]
        assert archive.read(pdf[0]) == build.pdf.read()
    assert sorted(names) == sorted(
        [
            pdf[0],
            "1-践诺佐证材料/服务站照片.png",
            "1-践诺佐证材料/服务站照片(2).png",
            "2-整改佐证材料/更新后的公开栏.png",
            "3-检查发现附件/公开栏现场.png",
        ]
    )
    assert build.files == 4


def test_evaluation_results_keep_small_categories_secret(county, campaign, busy_branch):
    """10 群众代表 forms and 3 党员 forms: 党员 is under the minimum, and showing 群众代表
    alone would give 党员's choices away as the difference, so neither is listed."""
    content = dossier_content(campaign=campaign, organization=busy_branch, built_at=timezone.now(), built_by=None)
    html = render_html("campaign/documents/dossier.html", content.context)

    assert "收回评议表 13 份" in html
    assert "的分类结果不单独列出" in html
    assert "群众代表（10 份）" not in html


def test_an_empty_section_says_none_rather_than_vanish(county, campaign):
    content = dossier_content(campaign=campaign, organization=county.branch_a2, built_at=timezone.now(), built_by=None)
    html = render_html("campaign/documents/dossier.html", content.context)

    for section in ("pledges", "progress", "reviews", "evaluation", "rectifications", "visits", "files"):
        part = html.split(f'<section id="{section}">', 1)[1].split("</section>", 1)[0]
        assert '<p class="none">无</p>' in part, section


def test_the_task_run_twice_builds_once(county, campaign, busy_branch, django_capture_on_commit_callbacks, media):
    build = _built(county, campaign, busy_branch, django_capture_on_commit_callbacks)
    pdf_name, zip_name = build.pdf.name, build.zip.name

    assert build_dossier.apply(args=[build.pk]).get() == "ready"
    build.refresh_from_db()

    assert (build.pdf.name, build.zip.name, build.attempts) == (pdf_name, zip_name, 1)
    assert len(list((media / "dossiers").rglob("*.*"))) == 2


def test_asking_again_while_it_builds_gives_the_same_build(county, campaign):
    first = dossier_request(campaign=campaign, organization=county.branch_a1, by=county.office)
    again = dossier_request(campaign=campaign, organization=county.branch_a1, by=county.secretary_user_a1)

    assert again.pk == first.pk
    assert DossierBuild.objects.count() == 1


def test_a_build_whose_worker_died_is_taken_over(county, campaign, django_capture_on_commit_callbacks):
    build = dossier_request(campaign=campaign, organization=county.branch_a2, by=county.office)
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    DossierBuild.objects.filter(pk=build.pk).update(state=DossierState.BUILDING, claimed_at=long_ago)

    assert dossiers_resume_stalled() == [build.pk]
    build.refresh_from_db()
    assert build.state == DossierState.READY and build.attempts == 1


def test_a_unit_outside_the_campaign_is_refused(county, campaign):
    from django.core.exceptions import ValidationError

    elsewhere = make_organization("邻县县委", kind="county")
    with pytest.raises(ValidationError):
        dossier_request(campaign=campaign, organization=elsewhere, by=None)


# --- Who may build and read ---------------------------------------------------------------


def page(organization):
    return reverse("campaign:dossier", args=[organization.code])


@pytest.mark.parametrize("account", ["office", "leader_a", "secretary_user_a1", "inspector_a"])
def test_those_who_read_the_units_records_build_and_download_its_dossier(
    client, county, campaign, inspector_a, account, django_capture_on_commit_callbacks
):
    user = inspector_a if account == "inspector_a" else getattr(county, account)
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("campaign:dossier_build", args=[county.branch_a1.code]))
    assert response.status_code == 302

    build = DossierBuild.objects.get()
    assert build.requested_by == user and build.state == DossierState.READY
    shown = client.get(page(county.branch_a1))
    assert shown.status_code == 200
    assert reverse("campaign:dossier_pdf", args=[build.pk]) in shown.content.decode()
    assert client.get(reverse("campaign:dossier_status", args=[build.pk])).json()["done"] is True
    download = client.get(reverse("campaign:dossier_pdf", args=[build.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert client.get(reverse("campaign:dossier_zip", args=[build.pk])).status_code == 200


def test_a_member_may_not_build_nor_read_the_dossier(client, county, campaign):
    build = dossier_request(campaign=campaign, organization=county.branch_a1, by=county.office)
    client.force_login(county.member_user_a1)

    assert client.get(page(county.branch_a1)).status_code == 403
    assert client.post(reverse("campaign:dossier_build", args=[county.branch_a1.code])).status_code == 403
    assert client.get(reverse("campaign:dossier_status", args=[build.pk])).status_code == 403


def test_an_outsider_gets_404_for_the_unit_and_its_builds(client, county, campaign):
    build = dossier_request(campaign=campaign, organization=county.branch_a1, by=county.office)

    for outsider in (county.secretary_user_b1, county.inspector_b):
        client.force_login(outsider)
        assert client.get(page(county.branch_a1)).status_code == 404
        assert client.post(reverse("campaign:dossier_build", args=[county.branch_a1.code])).status_code == 404
        for name in ("campaign:dossier_status", "campaign:dossier_pdf", "campaign:dossier_zip"):
            assert client.get(reverse(name, args=[build.pk])).status_code == 404


def test_the_page_lists_earlier_builds(
    client, county, campaign, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    for _ in range(3):
        _built(county, campaign, county.branch_a2, django_capture_on_commit_callbacks)
    client.force_login(county.leader_a)

    with django_assert_max_num_queries(15):
        response = client.get(page(county.branch_a2))

    html = response.content.decode()
    assert "以前生成的案卷" in html
    assert html.count("/pdf/") == 3


# --- In a real worker ------------------------------------------------------------------------


@pytest.fixture
def shared_media(settings, tmp_path, monkeypatch):
    """One media folder for this process and the worker it starts (which reads MEDIA_ROOT)."""
    folder = tmp_path / "shared-media"
    folder.mkdir()
    monkeypatch.setenv("MEDIA_ROOT", str(folder))
    settings.MEDIA_ROOT = folder
    return folder


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_celery_worker_builds_the_dossier_and_reports_its_progress_on_the_way(
    county, campaign, shared_media, celery_worker_on_test_database
):
    pledge = publish_directly(make_pledge(campaign, county.branch_a1, title="建设社区便民服务站"))
    ProgressEntry.objects.create(item=pledge.items.get(), recorded_on=datetime.date(2011, 3, 1), text="服务站挂牌开放")
    build = DossierBuild.objects.create(campaign=campaign, organization=county.branch_a1, requested_at=timezone.now())

    result = build_dossier.apply_async(args=[build.pk], queue=celery_worker_on_test_database)
    seen, deadline = set(), time.monotonic() + 120
    while not result.ready() and time.monotonic() < deadline:
        seen.add(DossierBuild.objects.values_list("progress", flat=True).get(pk=build.pk))
        time.sleep(0.05)
    assert result.get(timeout=120) == "ready"

    build.refresh_from_db()
    assert build.state == DossierState.READY and build.progress == 100 and build.attempts == 1
    assert build.pdf.read().startswith(b"%PDF")
    assert seen <= {0, 5, 30, 75, 90, 100}
    # A second delivery of the same message does nothing.
    again = build_dossier.apply_async(args=[build.pk], queue=celery_worker_on_test_database)
    assert again.get(timeout=60) == "ready"
    build.refresh_from_db()
    assert build.attempts == 1
