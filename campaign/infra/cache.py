"""Django's Redis cache, keeping its redis.Redis client instead of building one for every
cache call.

Django's RedisCacheClient.get_client makes a new redis.Redis (which copies its table
of response callbacks) on each get, add or incr. The evaluation form reads the cache on
every submission (the guessing limit) and writes it once more (the pending rewrite):
building those clients was about 5% of a submission's server time (py-spy, make bench). The client is as thread-safe
as its connection pool, and Django keeps one cache object per thread anyway.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ReusingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
