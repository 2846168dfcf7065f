"""An organization file whose code matches one of ours under another name (a file from
another county, or from another system numbering its own way) would rename our
organization. The preview says so loudly, and a rename applies only when the office
ticks the box that confirms it."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from orgs.models import Organization
from orgs.roster.format import ImportKind, read_roster_file
from orgs.roster.services import roster_import_organizations
from orgs.tests.rosters import ORG_HEADER, snapshot, xlsx_bytes

pytestmark = pytest.mark.django_db


def foreign_file(county):
    """Another county's file: its branch shares a code with ours under its own name; a
    second row only adds a branch."""
    return xlsx_bytes(
        ORG_HEADER,
        [
            [county.branch_a1.code, "马蹄乡东岭村党支部", "党支部", "农牧村", county.township_a.code],
            ["NEW1", "新建党支部", "党支部", "农牧村", county.township_a.code],
        ],
    )


def upload(client, content):
    response = client.post(
        reverse("orgs:roster_import"),
        {"kind": ImportKind.ORGANIZATIONS, "file": SimpleUploadedFile("外县组织.xlsx", content)},
    )
    assert response.status_code == 302
    return response["Location"], response["Location"].rstrip("/").rsplit("/", 1)[-1]


def test_the_preview_warns_of_each_rename_and_asks_for_a_confirmation(client, county, media):
    old_name = county.branch_a1.name
    client.force_login(county.office)
    preview_url, _token = upload(client, foreign_file(county))
    page = client.get(preview_url).content.decode()

    assert f"将改名：{old_name} → 马蹄乡东岭村党支部" in page
    assert 'id="import-renames"' in page and 'name="confirm_renames"' in page
    assert "编码相同但名称不同" in page


def test_confirming_without_ticking_the_box_writes_nothing(client, county, media):
    client.force_login(county.office)
    preview_url, token = upload(client, foreign_file(county))
    before = snapshot()
    refused = client.post(reverse("orgs:roster_import_confirm", args=[token]), follow=True)
    assert snapshot() == before
    assert "没有写入任何数据" in refused.text and "改名" in refused.text
    assert refused.redirect_chain[-1][0] == preview_url


def test_ticking_the_box_applies_the_rename(client, county, media):
    client.force_login(county.office)
    _preview_url, token = upload(client, foreign_file(county))
    done = client.post(reverse("orgs:roster_import_confirm", args=[token]), {"confirm_renames": "1"}, follow=True)
    assert "组织导入完成" in done.text
    assert Organization.objects.get(pk=county.branch_a1.pk).name == "马蹄乡东岭村党支部"
    assert Organization.objects.filter(code="NEW1").exists()


def test_a_file_without_renames_needs_no_confirmation(client, county, media):
    client.force_login(county.office)
    content = xlsx_bytes(ORG_HEADER, [["NEW1", "新建党支部", "党支部", "农牧村", county.township_a.code]])
    preview_url, token = upload(client, content)
    assert 'name="confirm_renames"' not in client.get(preview_url).content.decode()
    client.post(reverse("orgs:roster_import_confirm", args=[token]))
    assert Organization.objects.filter(code="NEW1").exists()


def test_the_service_holds_a_rename_back_unless_confirmed(county):
    rows = read_roster_file(io.BytesIO(foreign_file(county)), kind=ImportKind.ORGANIZATIONS, extension=".xlsx")
    before = snapshot()
    held = roster_import_organizations(rows=rows, by=county.office)
    assert held.ok and not held.written and snapshot() == before
    assert [(rename.old, rename.new) for rename in held.renames] == [(county.branch_a1.name, "马蹄乡东岭村党支部")]
    done = roster_import_organizations(rows=rows, by=county.office, confirm_renames=True)
    assert done.written
