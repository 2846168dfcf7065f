"""The offline progress sheet as the tests handle it: its columns, and its export and
upload through the pages."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pledges.progress_sheet import HEADERS

PUBLISHED_ON = datetime.date(2010, 6, 1)  # of the pledges whose items the sheets carry
KEY, DATE, TEXT, DONE = (HEADERS.index(header) + 1 for header in ("事项编号", "进展日期", "进展情况", "是否完成"))


def export(client, user, organization):
    client.force_login(user)
    response = client.get(reverse("pledges:progress_sheet_export", args=[organization.code]))
    assert response.status_code == 200, response.status_code
    return response.content


def upload(client, content, name="进展表.xlsx"):
    response = client.post(
        reverse("pledges:progress_sheet_import"), {"file": SimpleUploadedFile(name, content)}, follow=True
    )
    assert response.status_code == 200
    return response
