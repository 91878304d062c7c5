"""Bounded, careful HTTP fetching for feeds and article pages.

Every fetch is bounded in time (connect and read timeouts plus a whole-fetch deadline, so a server that trickles
bytes cannot hold a worker) and in size (the decoded body is cut off at ``max_bytes``, so a gzip bomb stops at the
limit). Redirects are followed by hand, at most ``max_redirects``, only to http(s) URLs, and every hop is checked
against private, loopback and link-local addresses unless ``allow_private_networks`` is set. Conditional GET
headers (ETag, Last-Modified) are sent when known, so an unchanged feed costs one 304.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

USER_AGENT = "Marsad/0.1 (+https://github.com/marsad-news/marsad; Arabic diplomatic news monitor)"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"


@dataclass(frozen=True)
class FetchLimits:
    """Limits applied to every fetch."""

    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    total_timeout: float = 30.0
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    allow_private_networks: bool = False
    user_agent: str = USER_AGENT
    backoff_base: float = 60.0
    """Seconds a feed is skipped after its first failure in a row (doubling with each further failure)."""


@dataclass(frozen=True)
class FetchResponse:
    """A completed fetch (status 200 with a body, or 304 not modified)."""

    url: str
    status: int
    content: bytes
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    redirects: tuple[str, ...] = field(default=())


class FetchError(Exception):
    """A fetch that did not produce a usable response; ``kind`` is a short machine-readable reason."""

    def __init__(self, kind: str, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.kind = kind
        self.transient = transient


def check_public_address(url: str, allow_private: bool) -> None:
    """Refuse URLs that are not http(s) or whose host resolves to a non-public address.

    Raises:
        FetchError: ``bad_scheme`` or ``private_address`` (or ``dns`` when the host does not resolve).
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError("bad_scheme", f"only http and https URLs are fetched, not {url!r}")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except socket.gaierror as exc:
        raise FetchError("dns", f"cannot resolve {parts.hostname}: {exc}", transient=True) from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if (
            address.is_private
            or address.is_loopback
            or address.is_link_local
            or address.is_reserved
            or address.is_multicast
            or address.is_unspecified
        ):
            raise FetchError(
                "private_address",
                f"{parts.hostname} resolves to non-public address {address}; "
                "pass --allow-private-networks to fetch from private networks",
            )


def make_client(limits: FetchLimits) -> httpx.Client:
    """An HTTP client with Marsad's timeouts and headers (redirects are handled by :func:`fetch`)."""
    return httpx.Client(
        timeout=httpx.Timeout(limits.read_timeout, connect=limits.connect_timeout),
        follow_redirects=False,
        headers={"User-Agent": limits.user_agent, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"},
        trust_env=False,
    )


def fetch(
    client: httpx.Client,
    url: str,
    limits: FetchLimits,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
) -> FetchResponse:
    """Fetch ``url`` within ``limits``, sending conditional headers when given.

    Returns:
        The response (status 200 or 304).

    Raises:
        FetchError: on any failure, with ``kind`` one of ``bad_scheme``, ``private_address``, ``dns``,
            ``timeout``, ``connection``, ``too_many_redirects``, ``too_large``, ``http_<status>``.
    """
    deadline = time.monotonic() + limits.total_timeout
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    hops: list[str] = []
    current = url
    for _ in range(limits.max_redirects + 1):
        check_public_address(current, limits.allow_private_networks)
        try:
            with client.stream("GET", current, headers=headers) as response:
                if response.status_code == 304:
                    return FetchResponse(
                        url=current,
                        status=304,
                        content=b"",
                        etag=etag,
                        last_modified=last_modified,
                        redirects=tuple(hops),
                    )
                if response.status_code in _REDIRECTS and response.headers.get("location"):
                    hops.append(current)
                    current = urljoin(current, response.headers["location"])
                    continue
                if response.status_code != 200:
                    raise FetchError(
                        f"http_{response.status_code}",
                        f"{current} answered HTTP {response.status_code}",
                        transient=response.status_code >= 500 or response.status_code == 429,
                    )
                declared = response.headers.get("content-length")
                if (
                    declared
                    and declared.isdigit()
                    and int(declared) > limits.max_bytes
                    and not response.headers.get("content-encoding")
                ):
                    raise FetchError(
                        "too_large", f"{current} declares {declared} bytes, over the {limits.max_bytes} limit"
                    )
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if len(body) > limits.max_bytes:
                        raise FetchError("too_large", f"{current} sent more than {limits.max_bytes} bytes")
                    if time.monotonic() > deadline:
                        # Not retried: a server this slow will be as slow again within the same run.
                        raise FetchError("timeout", f"{current} took longer than {limits.total_timeout:g} s")
                return FetchResponse(
                    url=current,
                    status=200,
                    content=bytes(body),
                    content_type=response.headers.get("content-type", ""),
                    etag=response.headers.get("etag"),
                    last_modified=response.headers.get("last-modified"),
                    redirects=tuple(hops),
                )
        except httpx.TimeoutException as exc:
            raise FetchError("timeout", f"{current} timed out: {type(exc).__name__}", transient=True) from exc
        except httpx.DecodingError as exc:
            raise FetchError("bad_encoding", f"{current} sent a body that cannot be decompressed: {exc}") from exc
        except httpx.TransportError as exc:
            raise FetchError("connection", f"{current}: {type(exc).__name__}: {exc}", transient=True) from exc
    raise FetchError("too_many_redirects", f"{url} redirected more than {limits.max_redirects} times")
