"""Bad input on every form, property-based (hypothesis), through HTTP.

Every URL that takes a POST — the POST rules of the URL scope matrix and the pages whose
view also handles a POST — is posted by a role allowed to use it with values hypothesis
makes up: unicode oddities, 100,000-character strings, numbers where text goes and text
where numbers go, dates in odd formats, missing and repeated fields, choice values that
were never offered. The field names come from the page's own form (for a page) and from
the view's form classes and the fields it reads by hand (for every URL).

Whatever is posted: never a server error; and an answer that refuses the input (a 4xx, a
form page shown again with its errors, a redirect with an error message) has written
nothing. Each example starts from the same county (a savepoint rolled back).
"""

import hashlib
import inspect
import re
from collections import defaultdict
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django import forms
from django.apps import apps
from django.contrib.messages import ERROR, get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import Resolver404, resolve, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign.tests.url_matrix import collect_rules, project_views, user_for
from pledges.tests.factories import TINY_PNG

RULES = collect_rules()

PROJECT_APPS = ("orgs", "campaign", "pledges", "reviews")

# ---------------------------------------------------------------------------
# Which URLs take a POST
# ---------------------------------------------------------------------------


VIEWS = project_views()


def view_code(view):
    """The view's class or function, under its decorators."""
    return getattr(view, "view_class", None) or inspect.unwrap(view)


def takes_post(view) -> bool:
    code = view_code(view)
    if inspect.isclass(code):
        return hasattr(code, "post")
    return "POST" in inspect.getsource(code)


FORM_URLS = sorted(name for name, rule in RULES.items() if rule.method == "POST" or takes_post(VIEWS[name]))

# ---------------------------------------------------------------------------
# Which fields a form has
# ---------------------------------------------------------------------------

POST_READ = re.compile(
    r"request\.POST(?:\.get|\.getlist|\.pop)?\(\s*[\"']([\w-]+)[\"']|request\.POST\[[\"']([\w-]+)[\"']\]"
)
GET_READ = re.compile(r"request\.GET(?:\.get|\.getlist)?\(\s*[\"']([\w-]+)[\"']|request\.GET\[[\"']([\w-]+)[\"']\]")
NOT_POSTED = {"csrfmiddlewaretoken"}


class FormFields(HTMLParser):
    """The fields of a page's forms of one method whose action is ``view_name``: name →
    the values the page offers (input values, options, textarea text), and which are files."""

    def __init__(self, page_url: str, view_name: str, method: str = "post"):
        super().__init__()
        self.page_url, self.view_name, self.method = page_url, view_name, method
        self.values: dict[str, set[str]] = defaultdict(set)
        self.files: set[str] = set()
        self._in_form = False
        self._select = self._textarea = None

    def _targets_view(self, attrs) -> bool:
        if (attrs.get("method") or "get").lower() != self.method:
            return False
        try:
            return resolve(urlsplit(attrs.get("action") or self.page_url).path).view_name == self.view_name
        except Resolver404:
            return False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._in_form = self._targets_view(attrs)
            return
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            if attrs.get("type") == "file":
                self.files.add(name)
            self.values[name].add(attrs.get("value") or "")
        elif tag == "select" and name:
            self._select = name
            self.values[name]
        elif tag == "option" and self._select:
            self.values[self._select].add(attrs.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name]
        elif tag == "button" and name:
            self.values[name].add(attrs.get("value") or "")

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea].add(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def fields_in_code(view, reads=POST_READ) -> set[str]:
    """Fields of the form classes the view's code names, and those it reads by hand."""
    code = view_code(view)
    source = inspect.getsource(code)
    names = {a or b for a, b in reads.findall(source)}
    module = inspect.getmodule(code)
    for word in set(re.findall(r"\b[A-Z]\w*Form\b", source)):
        form_class = getattr(module, word, None)
        if inspect.isclass(form_class) and issubclass(form_class, forms.BaseForm):
            names |= set(form_class.base_fields)
    return names


# ---------------------------------------------------------------------------
# Hostile values
# ---------------------------------------------------------------------------

ODD_PIECES = [
    "\u200f",  # right-to-left mark
    "\u202e",  # right-to-left override
    "\u200d",  # zero-width joiner
    "\u200b",  # zero-width space
    "\ufeff",  # byte order mark
    "e\u0301\u0301\u0301",  # stacked combining marks
    "\u3000",  # ideographic space
    "\x00",
    "\r\n",
    "👨‍👩‍👧",
    "🇨🇳",
    "１２３",  # full-width digits
    "١٢٣",  # Arabic-Indic digits
    "Ⅻ",
    "\U0001d7d9",  # mathematical double-struck one
    "' OR 1=1 --",
    "<b>",
    "{{ request }}",
]
TEXT = st.lists(st.one_of(st.characters(exclude_categories=("Cs",)), st.sampled_from(ODD_PIECES)), max_size=20).map(
    "".join
)


class Long(str):
    """A long value that hypothesis reports by its length, not by its 100,000 characters."""

    def __repr__(self):
        return f"<{self[:1]!r} × {len(self)}>"


LONG = st.sampled_from([Long("党" * 100_000), Long("a" * 100_001), Long("\u200d" * 100_000)])
NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["0", "-1", "2147483648", "1e308", "-0", "NaN", "Infinity", "0x10", "1_000", " 7 ", "３", ".5"]),
)
DATES = st.one_of(
    st.sampled_from(
        [
            "2011-02-30",
            "0000-00-00",
            "0001-01-01",
            "9999-12-31",
            "99999-01-01",
            "-2011-01-01",
            "2011-13-01",
            "31/12/2011",
            "2011年3月5日",
            "２０１１-０３-０５",
            "2011-03-05T25:61",
            "2011-03-05 10:00",
            "2011-03",
            "1970-01-01T00:00:00+14:00",
        ]
    ),
    st.dates().map(str),
    st.datetimes().map(lambda moment: moment.isoformat()),
)
SCALARS = st.one_of(TEXT, NUMBERS, DATES)
FILE_NAMES = ["证据.png", "../../etc/passwd", "\u202egnp.exe", "a" * 300 + ".png", "名册.xlsx", ".png", "x.csv"]
UPLOADS = st.builds(
    lambda name, content: SimpleUploadedFile(name, content),
    st.sampled_from(FILE_NAMES),
    st.one_of(st.binary(max_size=300), st.just(TINY_PNG), st.just(b"PK\x03\x04" + bytes(200))),
)


def value_strategy(offered: set[str], *, is_file: bool):
    """Missing, one value or the field repeated; what the page offered is one of the
    choices, so some examples get past the form to the code behind it."""
    one = st.one_of(st.sampled_from(sorted(offered)), SCALARS) if offered else SCALARS
    if is_file:
        one = st.one_of(UPLOADS, one)
    return st.one_of(st.none(), one, st.lists(one, min_size=2, max_size=3))


# ---------------------------------------------------------------------------
# What the database holds
# ---------------------------------------------------------------------------


def fingerprint() -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every table of the project's apps, in one query."""
    tables = sorted(
        {
            model._meta.db_table
            for app in PROJECT_APPS
            for model in apps.get_app_config(app).get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy
        }
    )
    if connection.vendor != "postgresql":
        return {table: _table_digest(table) for table in tables}
    sql = " UNION ALL ".join(
        f"SELECT '{table}', count(*), md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), ''))"
        f' FROM "{table}" t'
        for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {table: (count, digest) for table, count, digest in cursor.fetchall()}


def _table_digest(table: str) -> tuple[int, str]:
    """The same fingerprint read row by row, for SQLite (no md5 or string_agg there)."""
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{table}"')
        rows = sorted(repr(row) for row in cursor.fetchall())
    return len(rows), hashlib.md5("".join(rows).encode()).hexdigest()


def changed_tables(before, after) -> list[str]:
    return [table for table in before if before[table] != after[table]]


def refused(response) -> bool:
    """The answer turns the input down: a client error, the form again with errors, or a
    redirect carrying an error message."""
    if 400 <= response.status_code < 500:
        return True
    if response.status_code == 200 and "html" in response.get("Content-Type", ""):
        page = response.content.decode()
        return any(mark in page for mark in ("is-invalid", 'class="errorlist', "invalid-feedback", "alert-danger"))
    if response.status_code == 302:
        return any(message.level >= ERROR for message in get_messages(response.wsgi_request))
    return False


# ---------------------------------------------------------------------------
# The property
# ---------------------------------------------------------------------------


def draw_values(data, fields: dict[str, set[str]], files: set[str] = frozenset()) -> dict:
    """A value, several or none for each field. One field at most gets 100,000 characters:
    enough to find a missing length check, and a form of seventy fields stays a request
    of a few hundred kilobytes."""
    values = {}
    for field in sorted(fields):
        value = data.draw(value_strategy(fields[field], is_file=field in files), label=field)
        if value is not None:
            values[field] = value
    if fields:
        long_field = data.draw(st.one_of(st.none(), st.sampled_from(sorted(fields))), label="long field")
        if long_field is not None:
            values[long_field] = data.draw(LONG, label=long_field)
    return values


def role_for(rule) -> str:
    return "office" if "office" in rule.allowed else sorted(rule.allowed)[0]


def form_target(c, client, name):
    """URL, user and fields of the form, worked out once per test (the rule's arguments
    make objects, and the page is read once)."""
    cache = c.__dict__.setdefault("form_targets", {})
    if name not in cache:
        rule = RULES[name]
        role = role_for(rule)
        url = reverse(name, args=rule.args(c, role, "inside") if rule.args else [])
        user = user_for(c, role)
        parser = FormFields(url, name)
        # A page's own form; the site-wide forms of the header (logout, language) for the rest.
        client.force_login(user)
        page = client.get(url if rule.method == "GET" else reverse("home"))
        if page.status_code == 200 and "html" in page.get("Content-Type", ""):
            parser.feed(page.content.decode())
        fields = {field: set() for field in fields_in_code(VIEWS[name])}
        for field, offered in parser.values.items():
            fields.setdefault(field, set()).update(offered)
        for field in NOT_POSTED:
            fields.pop(field, None)
        cache[name] = (url, user, fields, parser.files)
    return cache[name]


def test_every_form_url_is_tried():
    assert len(FORM_URLS) > 60
    assert "pledges:create" in FORM_URLS and "reviews:paper" in FORM_URLS  # pages with their own form
    assert "campaign:health" not in FORM_URLS


PROPERTY = settings(
    max_examples=6,
    deadline=None,
    database=None,  # nothing written into the working tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("name", FORM_URLS)
@PROPERTY
@given(data=st.data())
def test_any_input_is_refused_cleanly_or_saved(client, matrix_county, rolled_back, name, data):
    url, user, fields, files = form_target(matrix_county, client, name)
    posted = draw_values(data, fields, files)
    with rolled_back():
        client.force_login(user)
        client.cookies.pop("messages", None)  # only this answer's messages count
        before = fingerprint()
        response = client.post(url, posted)
        assert response.status_code < 500, f"{name}: {response.status_code}"
        if refused(response):
            changed = changed_tables(before, fingerprint())
            assert not changed, f"{name} refused the input ({response.status_code}) but changed {changed}"


def query_target(c, client, name):
    """URL, user and query parameters of a GET page: those its view reads, and the
    fields of the page's own GET forms (filters) with the values they offer."""
    cache = c.__dict__.setdefault("query_targets", {})
    if name not in cache:
        rule = RULES[name]
        role = role_for(rule)
        url = reverse(name, args=rule.args(c, role, "inside") if rule.args else [])
        user = user_for(c, role)
        client.force_login(user)
        page = client.get(url)
        parser = FormFields(url, name, method="get")
        if page.status_code == 200 and "html" in page.get("Content-Type", ""):
            parser.feed(page.content.decode())
        fields = {field: set() for field in fields_in_code(VIEWS[name], reads=GET_READ)}
        for field, offered in parser.values.items():
            fields.setdefault(field, set()).update(offered)
        cache[name] = (url, user, fields)
    return cache[name]


GET_URLS = sorted(name for name, rule in RULES.items() if rule.method == "GET")


@pytest.mark.parametrize("name", GET_URLS)
@settings(PROPERTY, max_examples=4)
@given(data=st.data())
def test_any_query_string_is_answered_without_a_server_error(client, matrix_county, rolled_back, name, data):
    """Filters, pages and months come back in the address: hostile ones (NUL, 100,000
    characters, odd numbers and dates, repeated parameters) get a page or a 4xx."""
    url, user, fields = query_target(matrix_county, client, name)
    query = draw_values(data, fields)
    with rolled_back():
        client.force_login(user)
        response = client.get(url, query)
        assert response.status_code < 500, f"{name}: {response.status_code}"


def test_query_strings_are_tried_on_the_pages_that_read_them():
    assert len(GET_URLS) > 80
    assert "campaign:dashboard" in GET_URLS


# ---------------------------------------------------------------------------
# What the properties found, kept as plain examples
# ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_forged_form_count_is_refused_without_building_thousands_of_forms(client, matrix_county):
    tried = 0
    for name in FORM_URLS:
        if RULES[name].method != "GET":
            continue
        url, user, fields, _files = form_target(matrix_county, client, name)
        for total in (field for field in fields if field.endswith("-TOTAL_FORMS")):
            client.force_login(user)
            response = client.post(url, {total: "2147483648", total.replace("TOTAL", "INITIAL"): "0"})
            assert response.status_code == 200 and refused(response), name
            assert len(response.content) < 1_000_000, f"{name}: {len(response.content)} bytes"
            tried += 1
    assert tried >= 4  # phases, score sheet and the two standards


@pytest.mark.django_db
def test_a_nul_in_an_organization_code_is_not_found(client, matrix_county):
    client.force_login(matrix_county.office)
    response = client.post(reverse("pledges:rectification_create"), {"organization": "\x00"})
    assert response.status_code == 404


@pytest.mark.django_db
def test_a_recount_with_overlong_filters_still_goes_back_to_the_dashboard(client, matrix_county):
    url, user, _fields, _files = form_target(matrix_county, client, "campaign:dashboard_refresh")
    client.force_login(user)
    response = client.post(url, {"sector": "党" * 100_000, "org": "x" * 5000})
    assert response.status_code == 302 and "sector=" not in response["Location"]
