"""Shared fixtures: the integration under test, fake provider servers and fixture loading."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp.test_utils import TestServer
import pytest

# Import the package first: the test plugin otherwise resolves `custom_components` to its own folder.
import custom_components.cloud_telephony  # noqa: F401
from tests.fakes.bulutfon import FakeBulutfon

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_bytes(name: str) -> bytes:
    """Return a fixture file exactly as stored."""
    return (FIXTURES / name).read_bytes()


@pytest.fixture
async def fake_bulutfon(socket_enabled: None) -> AsyncIterator[tuple[FakeBulutfon, str]]:
    """Run the fake Bulutfon API on loopback; yield it and its base URL."""
    fake = FakeBulutfon()
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    try:
        yield fake, str(server.make_url("")).rstrip("/")
    finally:
        await server.close()
