"""growattweb.cache.RedisCache: Django's Redis cache with one client object per connection pool."""

from __future__ import annotations

import socket
import threading

import pytest

from growattweb.cache import RedisCache


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


pytestmark = pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379")


@pytest.fixture
def cache():
    backend = RedisCache("redis://127.0.0.1:6379/13", {"KEY_PREFIX": "cache-backend-test"})
    backend.clear()
    yield backend
    backend.clear()


def test_it_is_a_working_cache(cache):
    cache.set("body", "<div>42 kWh</div>", 30)
    assert cache.get("body") == "<div>42 kWh</div>"
    assert cache.get_many(["body", "missing"]) == {"body": "<div>42 kWh</div>"}
    assert cache.incr(cache.add("n", 1) and "n") == 2
    cache.delete("body")
    assert cache.get("body") is None


def test_one_client_object_serves_every_call_and_thread(cache):
    first = cache._cache.get_client(write=True)
    assert cache._cache.get_client() is first and cache._cache.get_client(write=True) is first
    errors = []

    def work(n):
        try:
            for i in range(50):
                cache.set(f"k{n}-{i}", i)
                assert cache.get(f"k{n}-{i}") == i
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert cache._cache.get_client() is first
