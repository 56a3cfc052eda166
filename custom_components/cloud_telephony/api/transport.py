"""HTTP to a provider's API: one place for the address, the timeout and the connection errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final, NamedTuple

import aiohttp

from .models import ProviderConnectionError, ProviderError


class Answer(NamedTuple):
    """What the provider answered: the status and the body as text."""

    status: int
    text: str


class Fetched(NamedTuple):
    """A file the provider answered with: the status, the content type and the bytes."""

    status: int
    content_type: str
    content: bytes


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
        with self._connection_errors():
            async with self._session.request(
                method, self.base_url + path, timeout=self._timeout, **kwargs
            ) as response:
                return Answer(response.status, await response.text())

    async def fetch(self, method: str, path: str, *, max_bytes: int, **kwargs: Any) -> Fetched:
        """Download a file; one larger than `max_bytes` is refused before it is read whole."""
        with self._connection_errors():
            async with self._session.request(
                method, self.base_url + path, timeout=self._timeout, **kwargs
            ) as response:
                too_large = ProviderError(f"the file {self._brand} offered is larger than {max_bytes} bytes")
                if response.content_length is not None and response.content_length > max_bytes:
                    raise too_large
                content = bytearray()
                async for chunk in response.content.iter_chunked(64 * 1024):
                    content += chunk
                    if len(content) > max_bytes:
                        raise too_large
                return Fetched(response.status, response.content_type, bytes(content))

    @contextmanager
    def _connection_errors(self) -> Iterator[None]:
        try:
            yield
        except TimeoutError as err:
            raise ProviderConnectionError(f"{self._brand} did not answer in time") from err
        except aiohttp.ClientError as err:
            raise ProviderConnectionError(connection_problem(self._brand, err)) from err


def connection_problem(brand: str, err: aiohttp.ClientError) -> str:
    """Say in words what kept the request from the provider (no class names, no URL)."""
    if isinstance(err, aiohttp.ClientConnectorDNSError):
        return f"the name of {brand}'s server could not be resolved (DNS)"
    if isinstance(err, aiohttp.ClientConnectorCertificateError):
        return f"the TLS certificate of {brand}'s server is not trusted"
    if isinstance(err, aiohttp.ClientSSLError):
        return f"the secure connection (TLS) to {brand} failed"
    if isinstance(err, aiohttp.ClientConnectorError) and isinstance(err.os_error, ConnectionRefusedError):
        return f"{brand} refused the connection"
    if isinstance(err, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        return f"{brand} closed the connection before answering"
    if isinstance(err, aiohttp.ClientConnectorError):
        return f"no connection to {brand} (network unreachable)"
    return f"the request to {brand} failed"


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
