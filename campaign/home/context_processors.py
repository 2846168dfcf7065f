"""The number of waiting items beside 首页 in the menu, on every page.

Counting costs several queries, too many for every page: the home page counts and leaves
the number in the cache (WAITING_COUNT_SECONDS); other pages only read it, so the menu
costs no query and says nothing until the user has been home (login lands there).
"""

from django.core.cache import cache

WAITING_COUNT_SECONDS = 15 * 60


def waiting_count_key(user_pk: int) -> str:
    return f"home:waiting-count:{user_pk}"


def remember_waiting_count(user, count: int) -> None:
    cache.set(waiting_count_key(user.pk), count, timeout=WAITING_COUNT_SECONDS)


def waiting_badge(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    count = getattr(request, "waiting_count", None)
    if count is None:
        count = cache.get(waiting_count_key(user.pk))
    return {"waiting_badge": count or 0}
