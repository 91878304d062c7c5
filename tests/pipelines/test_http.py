"""Fetching against a real HTTP server on loopback: limits, redirects, conditional GET, private addresses."""

import time

import pytest

from pipelines.sources.http import FetchError, FetchLimits, fetch, make_client
from tests.feedserver import Route, serve
from tests.fixtures import feeds

LOOPBACK = FetchLimits(
    allow_private_networks=True, total_timeout=3, read_timeout=1, connect_timeout=1, max_bytes=200_000
)


@pytest.fixture()
def client():
    with make_client(LOOPBACK) as c:
        yield c


def _error(client, url, limits=LOOPBACK):
    with pytest.raises(FetchError) as info:
        fetch(client, url, limits)
    return info.value


def test_ok_and_conditional_get(client):
    with serve(
        {"/f": Route(body=feeds.RSS_UTF8.encode(), etag='"v1"', last_modified="Tue, 04 Nov 2025 10:00:00 GMT")}
    ) as s:
        first = fetch(client, s.url("/f"), LOOPBACK)
        assert first.status == 200 and first.etag == '"v1"' and b"rss" in first.content
        second = fetch(client, s.url("/f"), LOOPBACK, etag=first.etag, last_modified=first.last_modified)
        assert second.status == 304 and second.content == b""
        headers = s.requests[-1][1]
        assert headers["If-None-Match"] == '"v1"' and "Marsad" in headers["User-Agent"]


def test_gzip_is_decoded(client):
    with serve({"/g": Route(body=feeds.RSS_UTF8.encode(), gzip=True)}) as s:
        assert fetch(client, s.url("/g"), LOOPBACK).content == feeds.RSS_UTF8.encode()


def test_gzip_bomb_is_cut_at_the_byte_limit(client):
    bomb = b"\0" * 50_000_000  # 50 MB of zeros: about 50 kB compressed
    with serve({"/bomb": Route(body=bomb, gzip=True)}) as s:
        assert _error(client, s.url("/bomb")).kind == "too_large"


def test_oversized_response_is_refused(client):
    with serve({"/big": Route(body=b"x" * 300_000)}) as s:
        assert _error(client, s.url("/big")).kind == "too_large"


def test_404_is_a_clear_error(client):
    with serve({}) as s:
        error = _error(client, s.url("/missing"))
        assert error.kind == "http_404" and not error.transient


def test_server_error_is_transient(client):
    with serve({"/e": Route(status=503)}) as s:
        error = _error(client, s.url("/e"))
        assert error.kind == "http_503" and error.transient


def test_silent_server_times_out(client):
    with serve({"/slow": Route(body=b"<rss/>", delay=3)}) as s:
        started = time.monotonic()
        assert _error(client, s.url("/slow")).kind == "timeout"
        assert time.monotonic() - started < 3


def test_trickling_server_hits_the_total_deadline(client):
    with serve({"/trickle": Route(body=b"<rss>" + b" " * 1000 + b"</rss>", trickle=0.05)}) as s:
        started = time.monotonic()
        assert _error(client, s.url("/trickle")).kind == "timeout"
        assert time.monotonic() - started < LOOPBACK.total_timeout + 2


def test_endless_response_stops_at_the_limit(client):
    with serve({"/endless": Route(endless=True)}) as s:
        assert _error(client, s.url("/endless")).kind in {"too_large", "timeout"}


def test_redirects_are_followed_within_the_limit(client):
    with serve({"/a": Route(status=302, location="/b"), "/b": Route(body=b"<rss/>")}) as s:
        response = fetch(client, s.url("/a"), LOOPBACK)
        assert response.content == b"<rss/>" and response.redirects == (s.url("/a"),)


def test_redirect_loop_is_refused(client):
    with serve({"/loop": Route(status=302, location="/loop")}) as s:
        assert _error(client, s.url("/loop")).kind == "too_many_redirects"


def test_redirect_to_file_scheme_is_refused(client):
    with serve({"/r": Route(status=302, location="file:///etc/passwd")}) as s:
        assert _error(client, s.url("/r")).kind == "bad_scheme"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "10.1.2.3", "169.254.169.254", "[::1]"])
def test_private_addresses_are_refused_by_default(client, host):
    strict = FetchLimits(total_timeout=2)
    error = _error(client, f"http://{host}:9/feed", strict)
    assert error.kind == "private_address"
    assert "--allow-private-networks" in str(error)


def test_redirect_to_a_private_address_is_refused_by_default():
    from unittest import mock

    strict = FetchLimits(total_timeout=2)
    with serve({"/r": Route(status=302, location="http://169.254.169.254/latest/meta-data/")}) as s:
        # The first hop is checked too, so let only the server's own address through.
        with make_client(strict) as c, mock.patch("pipelines.sources.http.check_public_address") as check:

            def only_first(url, allow):
                if "169.254" in url:
                    raise FetchError("private_address", "refused")

            check.side_effect = only_first
            with pytest.raises(FetchError) as info:
                fetch(c, s.url("/r"), strict)
        assert info.value.kind == "private_address"
        assert s.hits("/r") == 1
