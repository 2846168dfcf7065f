"""Bad input, property-based (hypothesis): any sheet a county office could upload, however
broken (wrong types, formulas, unicode oddities, empty and overlong cells, ragged rows),
is either imported whole or refused with row numbers in Chinese, and a refused import
writes nothing. Never a server error."""

import datetime
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orgs.models import Member
from orgs.roster.format import ImportKind, read_roster_file
from orgs.roster.services import roster_import_members
from orgs.sheets.reading import ImportFileError
from orgs.tests.rosters import MEMBER_HEADER, member_row, xlsx_bytes

# Cells a real roster meets, and the ones that break naive code.
ODD_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=0, max_size=80
)
CELLS = st.one_of(
    st.none(),
    ODD_TEXT,
    st.sampled_from(
        ["男", "女", "汉族", "裕固族", "正式党员", "预备党员", "书记", "党员", "  ", "\u200b", "١٩٧٥-٠٥-٠١"]
    ),
    st.sampled_from(["=1+1", '=HYPERLINK("http://example.com")', "=A1*1000", "@SUM(A1)", "+86 139"]),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2100, 12, 31)),
    st.booleans(),
    st.text(min_size=300, max_size=2000, alphabet="党员承诺践诺"),
)
ROWS = st.lists(st.lists(CELLS, min_size=0, max_size=12), min_size=1, max_size=15)
PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def workbook_or_none(rows):
    try:
        return xlsx_bytes(MEMBER_HEADER, rows)
    except Exception:  # openpyxl itself refuses some values (control characters): no file to upload
        return None


@pytest.mark.django_db
@PROPERTY
@given(rows=ROWS)
def test_any_sheet_is_imported_whole_or_refused_with_row_numbers_and_nothing_written(county, rolled_back, rows):
    content = workbook_or_none(rows)
    if content is None:
        return
    with rolled_back():
        before = Member.objects.count()
        try:
            parsed = read_roster_file(io.BytesIO(content), kind=ImportKind.MEMBERS, extension=".xlsx")
        except ImportFileError as refused:
            assert str(refused)  # a message for the user
            return
        result = roster_import_members(rows=parsed, by=county.office)
        if result.ok:
            assert Member.objects.count() == before + result.created
        else:
            assert Member.objects.count() == before
            assert all(error.row >= 2 and error.message for error in result.errors)


@pytest.mark.django_db
@PROPERTY
@given(name=ODD_TEXT.filter(lambda text: text.strip()), phone=ODD_TEXT)
def test_a_good_row_with_any_name_and_phone_is_stored_as_given_or_refused(county, rolled_back, name, phone):
    content = workbook_or_none([member_row(county.branch_a2, name, phone=phone)])
    if content is None:
        return
    with rolled_back():
        parsed = read_roster_file(io.BytesIO(content), kind=ImportKind.MEMBERS, extension=".xlsx")
        result = roster_import_members(rows=parsed, by=county.office)
        if result.ok:
            assert Member.objects.filter(organization=county.branch_a2, name=name.strip()).exists()
        else:
            assert not Member.objects.filter(organization=county.branch_a2, name=name.strip()).exists()
            assert result.errors[0].row == 2


@pytest.mark.django_db
@PROPERTY
@given(content=st.binary(max_size=4000))
def test_any_bytes_uploaded_as_a_roster_are_refused_cleanly(content):
    for extension in (".xlsx", ".csv"):
        try:
            read_roster_file(io.BytesIO(content), kind=ImportKind.MEMBERS, extension=extension)
        except ImportFileError as refused:
            assert str(refused)
