"""HTTP to a provider's API: one place for the address, the timeout and the connection errors."""

from __future__ import annotations

from typing import Any, NamedTuple

import aiohttp

from .models import ProviderConnectionError


class Answer(NamedTuple):
    """What the provider answered: the status and the body as text."""

    status: int
    text: str


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
        try:
            async with self._session.request(
                method, self.base_url + path, timeout=self._timeout, **kwargs
            ) as response:
                return Answer(response.status, await response.text())
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
