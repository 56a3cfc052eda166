"""The one HTTP helper every provider client sends through."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import logging
import socket
from typing import Any

import aiohttp
from aiohttp import web
import aiohttp.abc
from aiohttp.test_utils import TestServer
import pytest

from custom_components.cloud_telephony.api import ConnectionProblem, ProviderConnectionError
from custom_components.cloud_telephony.api.transport import Answer, Transport


@pytest.fixture
async def echo_url(socket_enabled: None) -> AsyncIterator[str]:
    """Serve the path and query each request had (after a wait on /slow); yield the base URL."""

    async def echo(request: web.Request) -> web.Response:
        if request.path == "/api/slow":
            await asyncio.sleep(2)
        return web.Response(status=207, text=request.path_qs)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", echo)
    server = TestServer(app)
    await server.start_server()
    yield str(server.make_url("/api/"))
    await server.close()


async def test_paths_go_after_the_base_url(echo_url: str) -> None:
    """A private server's address replaces the provider's; its trailing slash is not doubled."""
    async with aiohttp.ClientSession() as session:
        transport = Transport(
            session, brand="Example", api_url="https://invalid.example", base_url=echo_url, timeout=5
        )
        answer = await transport.request("GET", "/me.json", params={"access_token": "secret"})
    assert answer == Answer(207, "/api/me.json?access_token=secret")
    assert transport.base_url == echo_url.rstrip("/")


async def test_a_slow_provider_is_a_connection_error_of_its_kind(echo_url: str) -> None:
    async with aiohttp.ClientSession() as session:
        transport = Transport(session, brand="Example", api_url=echo_url, timeout=0.2)
        with pytest.raises(ProviderConnectionError, match=r"^no answer in time$") as caught:
            await transport.request("GET", "/slow")
    assert caught.value.problem is ConnectionProblem.TIMEOUT


@pytest.mark.usefixtures("socket_enabled")
async def test_a_refused_connection_says_so_never_the_url() -> None:
    """Aiohttp's own message carries the URL, and with it credentials some providers take in the query."""
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    async with aiohttp.ClientSession() as session:
        transport = Transport(session, brand="Example", api_url=f"http://127.0.0.1:{port}", timeout=5)
        with pytest.raises(ProviderConnectionError) as caught:
            await transport.request("GET", "/report", params={"password": "secret"})
    assert str(caught.value) == "the server refused the connection"
    assert caught.value.problem is ConnectionProblem.REFUSED


@pytest.mark.parametrize(
    ("error", "problem", "words"),
    [
        (aiohttp.ServerDisconnectedError(), "closed", "the server closed the connection before answering"),
        (aiohttp.ClientPayloadError("x"), "closed", "the server closed the connection before answering"),
        (aiohttp.ClientResponseError(None, (), status=400), "other", "the request failed"),  # type: ignore[arg-type]
    ],
)
def test_connection_problems_in_words(error: aiohttp.ClientError, problem: str, words: str) -> None:
    from custom_components.cloud_telephony.api.transport import connection_problem

    found = connection_problem(error)
    assert (found.problem, str(found)) == (problem, words)


class _NoSuchName(aiohttp.abc.AbstractResolver):
    """A resolver that knows no name (as a DNS server answers for a mistyped address)."""

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[Any]:
        raise OSError(socket.EAI_NONAME, "Name or service not known")

    async def close(self) -> None:
        """Nothing to close."""


async def test_a_name_that_does_not_resolve_is_said_so() -> None:
    connector = aiohttp.TCPConnector(resolver=_NoSuchName())
    async with aiohttp.ClientSession(connector=connector) as session:
        transport = Transport(session, brand="Example", api_url="http://api.example.invalid", timeout=5)
        with pytest.raises(ProviderConnectionError, match=r"^the name of the server could not be resolved"):
            await transport.request("GET", "/")


async def test_each_call_is_in_the_debug_log_without_its_query(
    echo_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Operation, answer and time for troubleshooting; the query (credentials) never."""
    async with aiohttp.ClientSession() as session:
        transport = Transport(session, brand="Acme", api_url=echo_url, timeout=5)
        with caplog.at_level(logging.DEBUG, logger="custom_components.cloud_telephony.api"):
            await transport.request("GET", "/send", params={"access_token": "s3cret"})
            await transport.fetch("GET", "/file?token=s3cret", max_bytes=1000)
    lines = [
        record.getMessage()
        for record in caplog.records
        if record.name == "custom_components.cloud_telephony.api"
    ]
    assert len(lines) == 2
    assert lines[0].startswith("Acme GET /send: HTTP 207 in ")
    assert lines[1].startswith("Acme GET /api/file: HTTP 207 in ")
    assert lines[1].endswith(" bytes")
    # (The test server's own access log shows it; ours does not.)
    assert not [line for line in lines if "s3cret" in line]
