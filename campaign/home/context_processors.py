"""The number of waiting items beside 首页 in the menu, on every page.

Counting costs several queries, too many for every page: the home page counts and leaves
the number in the cache (WAITING_COUNT_SECONDS); other pages only read it, so the menu
costs no query and says nothing until the user has been home (login lands there).
"""

from django.core.cache import cache
from redis.exceptions import RedisError

WAITING_COUNT_SECONDS = 15 * 60


def waiting_count_key(user_pk: int) -> str:
    return f"home:waiting-count:{user_pk}"


def remember_waiting_count(user, count: int) -> None:
    try:
        cache.set(waiting_count_key(user.pk), count, timeout=WAITING_COUNT_SECONDS)
    except (RedisError, OSError):
        # The count is a convenience: with the cache down the page still opens without it.
        pass


def waiting_badge(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    count = getattr(request, "waiting_count", None)
    if count is None:
        try:
            count = cache.get(waiting_count_key(user.pk))
        except (RedisError, OSError):
            # With the cache down every page still opens, only without the menu's count.
            count = None
    return {"waiting_badge": count or 0}
