"""The text of a search box, as every search reads it.

A search looks for a piece of a name, a code, a number or a title: none is longer than
100 characters. What comes in from an address may be anything, and the databases refuse
some of it: SQLite a LIKE pattern over 50,000 bytes ("LIKE or GLOB pattern too complex"),
PostgreSQL any string holding a NUL. Every search box reads its text here, so that each
search on every database gets a short, clean piece of text.
"""

from __future__ import annotations

from django.http import HttpRequest

SEARCH_MAX_LENGTH = 100


def search_text(value: str | None) -> str:
    """The text to search for: without NULs and the spaces around it, at most
    SEARCH_MAX_LENGTH characters (a longer one is cut, not refused: the page still answers)."""
    if not value:
        return ""
    return value.replace("\x00", "").strip()[:SEARCH_MAX_LENGTH].strip()


def search_query(request: HttpRequest, name: str = "q") -> str:
    """The search text of a GET request's parameter ``name``."""
    return search_text(request.GET.get(name))
