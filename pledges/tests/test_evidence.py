"""Evidence files: what may be uploaded, what is stored, and who gets it back."""

import datetime
import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from pledges import progress
from pledges.models import Evidence, PledgeState, ProgressEntry
from pledges.progress import EVIDENCE_MAX_BYTES, evidence_check, progress_record
from pledges.tests.factories import TINY_PNG, make_pledge, png_bytes, publish_with_approval

pytestmark = pytest.mark.usefixtures("media")  # each test stores its files apart

# Real file signatures, as an attacker or a careless user would send them.
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def item(county, campaign):
    pledge = make_pledge(campaign, county.branch_a1, title="红湾社区党支部承诺")
    publish_with_approval(pledge, filer=county.secretary_user_a1, approver=county.leader_a)
    return pledge.items.get()


def record(county, item, *files, **options):
    return progress_record(
        item=item,
        by=county.secretary_user_a1,
        recorded_on=datetime.date(2011, 3, 1),
        text="便民服务站已开放",
        files=list(files),
        **options,
    )


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge picture: the shape of a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "CameraMakerSecret"
    exif[0x0112] = 6  # rotated: the stored copy must be turned upright
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (99.0, 36.0, 12.0)}
    output = io.BytesIO()
    Image.new("RGB", (40, 20), (10, 120, 200)).save(output, "JPEG", exif=exif, comment=b"owner: secret")
    return output.getvalue()


def test_a_file_over_the_size_limit_is_refused(county, item):
    too_big = SimpleUploadedFile("扫描件.pdf", PDF_BYTES + b"0" * EVIDENCE_MAX_BYTES)
    with pytest.raises(ValidationError, match="超过 10 MB"):
        record(county, item, too_big)
    assert not ProgressEntry.objects.exists()


def test_the_real_size_counts_not_the_declared_one(county):
    upload = SimpleUploadedFile("a.pdf", PDF_BYTES + b"0" * EVIDENCE_MAX_BYTES)
    upload.size = 100  # a client may claim anything
    with pytest.raises(ValidationError, match="超过"):
        evidence_check(upload)


def test_a_program_renamed_to_jpg_is_refused(county, item):
    with pytest.raises(ValidationError, match="不是 JPEG、PNG、WebP 图片或 PDF"):
        record(county, item, SimpleUploadedFile("照片.jpg", EXE_BYTES, content_type="image/jpeg"))


def test_a_text_file_named_pdf_is_refused(county, item):
    with pytest.raises(ValidationError, match="不是 JPEG、PNG、WebP 图片或 PDF"):
        record(county, item, SimpleUploadedFile("总结.pdf", "这是一段文字".encode(), content_type="application/pdf"))


def test_a_corrupt_image_with_a_jpeg_signature_is_refused(county, item):
    with pytest.raises(ValidationError, match="已损坏或无法识别"):
        record(county, item, SimpleUploadedFile("坏图.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 100))


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (8000, 8000),  # 64 megapixels: above our limit, below Pillow's own warning
        (20000, 20000),  # 400 megapixels: Pillow itself calls it a decompression bomb
    ],
)
def test_a_decompression_bomb_is_refused_without_decoding_it(county, item, width, height):
    bomb = png_header_only(width, height)
    assert len(bomb) < 200
    with pytest.raises(ValidationError, match="像素过大"):
        record(county, item, SimpleUploadedFile("bomb.png", bomb))
    assert not ProgressEntry.objects.exists()


def test_pillows_decompression_bomb_error_becomes_a_clear_message(county, item, monkeypatch):
    monkeypatch.setattr(progress, "EVIDENCE_MAX_PIXELS", 10**12)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(ValidationError, match="像素过大"):
        record(county, item, SimpleUploadedFile("bomb.png", png_header_only(200, 200)))


def test_photo_metadata_and_gps_position_are_stripped(county, item, media):
    original = jpeg_with_gps()
    assert b"CameraMakerSecret" in original and b"owner: secret" in original
    record(county, item, SimpleUploadedFile("现场.jpg", original))
    evidence = Evidence.objects.get()
    stored = (media / evidence.file.name).read_bytes()
    assert b"CameraMakerSecret" not in stored and b"owner: secret" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert len(image.getexif()) == 0
        assert image.size == (20, 40)  # turned upright before the orientation tag was dropped
    assert evidence.size == len(stored)


def test_png_text_chunks_are_dropped(county, item, media):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Zhang Sanfeng 13800000000")
    record(county, item, SimpleUploadedFile("a.png", png_bytes(pnginfo=info)))
    stored = (media / Evidence.objects.get().file.name).read_bytes()
    assert b"13800000000" not in stored


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "WEBP"])
def test_large_photos_are_scaled_down_in_their_own_format(county, item, media, image_format):
    output = io.BytesIO()
    Image.new("RGB", (6000, 1500), (90, 160, 60)).save(output, image_format)
    record(county, item, SimpleUploadedFile("大图", output.getvalue()))
    with Image.open(media / Evidence.objects.get().file.name) as image:
        assert image.format == image_format
        assert image.size == (2560, 640)


def test_one_bad_file_leaves_no_entry_and_no_stored_files(county, item, media):
    with pytest.raises(ValidationError):
        record(county, item, SimpleUploadedFile("好.png", TINY_PNG), SimpleUploadedFile("坏.jpg", EXE_BYTES))
    assert not ProgressEntry.objects.exists()
    assert not list(media.rglob("*.*")) and not (media / "evidence").exists()
    item.pledge.refresh_from_db()
    assert item.pledge.state == PledgeState.PUBLISHED


def test_too_many_files_are_refused(county, item):
    files = [SimpleUploadedFile(f"{n}.png", TINY_PNG) for n in range(progress.EVIDENCE_MAX_FILES + 1)]
    with pytest.raises(ValidationError, match="最多"):
        record(county, item, *files)


def test_the_page_shows_why_a_file_was_refused(client, county, item):
    client.force_login(county.secretary_user_a1)
    response = client.post(
        reverse("pledges:item_progress", args=[item.pk]),
        {"recorded_on": "2011-03-01", "text": "已开放", "files": [SimpleUploadedFile("照片.jpg", EXE_BYTES)]},
    )
    assert response.status_code == 200
    assert "“照片.jpg”不是 JPEG、PNG、WebP 图片或 PDF 文件" in response.content.decode()
    assert not ProgressEntry.objects.exists()


def test_in_scope_users_download_with_safe_headers(client, county, item):
    record(county, item, SimpleUploadedFile("现场.png", TINY_PNG), SimpleUploadedFile("总结.pdf", PDF_BYTES))
    photo, document = Evidence.objects.order_by("pk")
    client.force_login(county.leader_a)
    response = client.get(reverse("pledges:evidence", args=[photo.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    # A PDF is downloaded, not opened in our origin.
    response = client.get(reverse("pledges:evidence", args=[document.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")


def test_outsiders_get_404_for_evidence(client, county, item):
    record(county, item, SimpleUploadedFile("现场.png", TINY_PNG))
    evidence = Evidence.objects.get()
    for outsider in (county.secretary_user_b1, county.inspector_b):
        client.force_login(outsider)
        assert client.get(reverse("pledges:evidence", args=[evidence.pk])).status_code == 404


def test_a_member_does_not_get_another_members_evidence(client, county, campaign):
    pledge = make_pledge(campaign, county.branch_a1, member=county.other_member_a1)
    publish_with_approval(pledge, filer=county.secretary_user_a1, approver=county.leader_a)
    record(county, pledge.items.get(), SimpleUploadedFile("a.png", TINY_PNG), evidence_public=False)
    client.force_login(county.member_user_a1)
    assert client.get(reverse("pledges:evidence", args=[Evidence.objects.get().pk])).status_code == 404


def test_logged_out_visitors_get_evidence_only_through_the_board(client, county, item):
    record(county, item, SimpleUploadedFile("现场.png", TINY_PNG))
    evidence = Evidence.objects.get()
    response = client.get(reverse("pledges:evidence", args=[evidence.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    public_url = reverse("board:evidence", args=[county.branch_a1.notice_board_token, evidence.pk])
    response = client.get(public_url)
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"


def test_the_board_refuses_evidence_not_marked_public(client, county, item):
    record(county, item, SimpleUploadedFile("名单.png", TINY_PNG), evidence_public=False)
    evidence = Evidence.objects.get()
    url = reverse("board:evidence", args=[county.branch_a1.notice_board_token, evidence.pk])
    assert client.get(url).status_code == 404


def test_the_board_refuses_evidence_under_another_organizations_token(client, county, item):
    record(county, item, SimpleUploadedFile("现场.png", TINY_PNG))
    evidence = Evidence.objects.get()
    url = reverse("board:evidence", args=[county.branch_b1.notice_board_token, evidence.pk])
    assert client.get(url).status_code == 404


def test_the_board_refuses_evidence_of_an_item_not_in_the_published_version(client, county, campaign, item):
    record(county, item, SimpleUploadedFile("现场.png", TINY_PNG))
    # An item added to the working copy after publication is not public, nor its files.
    draft_item = item.pledge.items.create(order=9, target="新增事项", work="新增工作", measurable_result="新增成效")
    entry = ProgressEntry.objects.create(item=draft_item, recorded_on=datetime.date(2011, 3, 2), text="x")
    hidden = Evidence.objects.create(
        entry=entry, file=Evidence.objects.get().file.name, original_name="x.png", content_type="image/png", size=1
    )
    url = reverse("board:evidence", args=[county.branch_a1.notice_board_token, hidden.pk])
    assert client.get(url).status_code == 404


def test_the_board_refuses_evidence_of_a_never_published_pledge(client, county, campaign, media):
    draft = make_pledge(campaign, county.branch_a1, title="草稿承诺")
    entry = ProgressEntry.objects.create(item=draft.items.get(), recorded_on=datetime.date(2011, 3, 2), text="x")
    (media / "evidence").mkdir()
    (media / "evidence" / "draft").write_bytes(TINY_PNG)
    evidence = Evidence.objects.create(
        entry=entry, file="evidence/draft", original_name="x.png", content_type="image/png", size=len(TINY_PNG)
    )
    url = reverse("board:evidence", args=[county.branch_a1.notice_board_token, evidence.pk])
    assert client.get(url).status_code == 404
