"""HTTP to a provider's API: one place for the address, the timeout and the connection errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
import logging
import time
from typing import Any, Final, NamedTuple
from urllib.parse import urljoin, urlsplit

import aiohttp

from .models import ConnectionProblem, Download, ProviderConnectionError, ProviderError

MAX_REDIRECTS: Final = 3
# A child of the integration's logger: Home Assistant's "enable debug logging" includes it.
LOGGER: Final = logging.getLogger(__package__)


class Answer(NamedTuple):
    """What the provider answered: the status and the body as text."""

    status: int
    text: str


class Fetched(NamedTuple):
    """A file the provider answered with: the status, the content type and the bytes."""

    status: int
    content_type: str
    content: bytes
    location: str | None = None
    """Where a redirect points (the `Location` header), when redirects are not followed."""


class Transport:
    """A provider's API as an address, with its timeout and its name for error messages."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        brand: str,
        api_url: str,
        base_url: str | None = None,
        timeout: float,
    ) -> None:
        """Send to `base_url` (a private server or proxy) when given, else to the provider's API."""
        self._session = session
        self._brand = brand
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self.base_url = (base_url or api_url).rstrip("/")

    async def request(self, method: str, path: str, **kwargs: Any) -> Answer:
        """Send one request (`path` is appended to the address); a failed connection raises.

        The errors are built here, never from aiohttp's own messages: those carry the URL, and
        with it the credentials some providers take in the query.
        """
        started = time.monotonic()
        with self._connection_errors():
            async with self._session.request(
                method, self.base_url + path, timeout=self._timeout, **kwargs
            ) as response:
                answer = Answer(response.status, await response.text())
        self._log(method, path, answer.status, started)
        return answer

    async def fetch(self, method: str, path: str, *, max_bytes: int, **kwargs: Any) -> Fetched:
        """Download a file; one larger than `max_bytes` is refused before it is read whole."""
        return await self._fetch(method, self.base_url + path, max_bytes=max_bytes, **kwargs)

    async def fetch_link(
        self, link: str, *, hosts: tuple[str, ...], max_bytes: int, **kwargs: Any
    ) -> Fetched:
        """Download a file a provider linked to, only from its own hosts (or this API's own).

        `hosts` are domains: a link to one of them or a subdomain is fetched over HTTPS, any other
        refused; a redirect is followed only to such a host again (three at most).
        """
        for _hop in range(MAX_REDIRECTS + 1):
            self._check_link(link, hosts)
            fetched = await self._fetch("GET", link, max_bytes=max_bytes, allow_redirects=False, **kwargs)
            if fetched.status not in (301, 302, 303, 307, 308) or not fetched.location:
                return fetched
            link = urljoin(link, fetched.location)
        raise ProviderError(f"the file was redirected more than {MAX_REDIRECTS} times")

    def _check_link(self, link: str, hosts: tuple[str, ...]) -> None:
        parsed = urlsplit(link)
        host = (parsed.hostname or "").lower()
        # This API's own address counts with its port (and its scheme): another service on the
        # same machine does not.
        own = parsed.netloc.lower() == urlsplit(self.base_url).netloc.lower()
        theirs = parsed.scheme == "https" and any(
            host == domain or host.endswith(f".{domain}") for domain in hosts
        )
        if not host or not (own or theirs):
            raise ProviderError(
                f"{self._brand} linked to a file away from its own servers ({host or 'no host'})"
            )

    async def _fetch(self, method: str, url: str, *, max_bytes: int, **kwargs: Any) -> Fetched:
        started = time.monotonic()
        with self._connection_errors():
            async with self._session.request(method, url, timeout=self._timeout, **kwargs) as response:
                too_large = ProviderError(f"the file is larger than {max_bytes} bytes")
                if response.content_length is not None and response.content_length > max_bytes:
                    raise too_large
                content = bytearray()
                async for chunk in response.content.iter_chunked(64 * 1024):
                    content += chunk
                    if len(content) > max_bytes:
                        raise too_large
                location = response.headers.get("Location")
                fetched = Fetched(response.status, response.content_type, bytes(content), location)
        self._log(method, urlsplit(url).path, fetched.status, started, len(fetched.content))
        return fetched

    def _log(self, method: str, path: str, status: int, started: float, size: int | None = None) -> None:
        """Note each call (what, answer, time) for the debug log; never its query (credentials)."""
        if LOGGER.isEnabledFor(logging.DEBUG):
            elapsed = (time.monotonic() - started) * 1000
            operation = path.split("?", maxsplit=1)[0]
            extent = f", {size} bytes" if size is not None else ""
            LOGGER.debug(
                "%s %s %s: HTTP %s in %.0f ms%s", self._brand, method, operation, status, elapsed, extent
            )

    @contextmanager
    def _connection_errors(self) -> Iterator[None]:
        try:
            yield
        except TimeoutError as err:
            raise ProviderConnectionError("no answer in time", ConnectionProblem.TIMEOUT) from err
        except aiohttp.ClientError as err:
            raise connection_problem(err) from err


def connection_problem(err: aiohttp.ClientError) -> ProviderConnectionError:
    """Say what kept the request from the provider (no class names, no URL), and which kind it was."""
    problem, words = _connection_problem(err)
    return ProviderConnectionError(words, problem)


def _connection_problem(err: aiohttp.ClientError) -> tuple[ConnectionProblem, str]:
    if isinstance(err, aiohttp.ClientConnectorDNSError):
        return ConnectionProblem.DNS, "the name of the server could not be resolved (DNS)"
    if isinstance(err, aiohttp.ClientConnectorCertificateError):
        return ConnectionProblem.CERTIFICATE, "the server's TLS certificate is not trusted"
    if isinstance(err, aiohttp.ClientSSLError):
        return ConnectionProblem.TLS, "the secure connection (TLS) failed"
    if isinstance(err, aiohttp.ClientConnectorError) and isinstance(err.os_error, ConnectionRefusedError):
        return ConnectionProblem.REFUSED, "the server refused the connection"
    if isinstance(err, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        return ConnectionProblem.CLOSED, "the server closed the connection before answering"
    if isinstance(err, aiohttp.ClientConnectorError):
        return ConnectionProblem.UNREACHABLE, "no connection to the server (network unreachable)"
    return ConnectionProblem.OTHER, "the request failed"


# The first bytes of the files providers send, for when their content type is vague.
_SIGNATURES: Final = (
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"ID3", "audio/mpeg"),
    (b"OggS", "audio/ogg"),
)


def sniffed_type(content: bytes) -> str | None:
    """Return a file's content type from its first bytes (TIFF, PDF, PNG, WAV, MP3, Ogg), else None."""
    if content[:4] == b"RIFF" and content[8:12] == b"WAVE":
        return "audio/wav"
    if content[:2] == b"\xff\xfb" or content[:2] == b"\xff\xf3":
        return "audio/mpeg"
    return next((kind for magic, kind in _SIGNATURES if content.startswith(magic)), None)


def as_download(fetched: Fetched, brand: str, wanted: tuple[str, ...], what: str) -> Download:
    """Return a fetched file whose type (by its first bytes, else as declared) is one wanted."""
    content_type = sniffed_type(fetched.content) or fetched.content_type
    if not content_type.startswith(wanted):
        raise ProviderError(f"the answer was {content_type} instead of {what}")
    return Download(fetched.content, content_type)
