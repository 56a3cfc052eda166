"""Bulutfon API client against a local fake of api.bulutfon.com."""

from __future__ import annotations

import aiohttp
import pytest

from custom_components.cloud_telephony.api import (
    AuthError,
    ProviderConnectionError,
    ProviderError,
    RateLimitedError,
    bulutfon as bulutfon_api,
)
from custom_components.cloud_telephony.api.bulutfon import BulutfonAccount, BulutfonClient
from tests.fakes import bulutfon as fake


async def test_validate_returns_the_account(fake_bulutfon: tuple[fake.FakeBulutfon, str]) -> None:
    server, url = fake_bulutfon
    async with aiohttp.ClientSession() as session:
        account = await BulutfonClient(session, fake.VALID_TOKEN, base_url=url).async_validate()
    assert account == BulutfonAccount(
        user_name="Ad Soyad",
        email="mail@mail.com",
        pbx_name="santral",
        pbx_url="santral.bulutfon.net",
        pbx_state="CONFIRMED",
        balance="300.06",
    )
    [request] = server.requests
    assert request.path == "/me.json"
    assert request.query["access_token"] == fake.VALID_TOKEN


@pytest.mark.parametrize(
    ("token", "error", "message"),
    [
        ("wrong-token", AuthError, "invalid_token"),
        (fake.FORBIDDEN_TOKEN, AuthError, "This API user may not read the account"),
        (fake.RATE_LIMITED_TOKEN, RateLimitedError, "request limit"),
        (fake.BROKEN_TOKEN, ProviderConnectionError, "HTTP 502"),
        (fake.NOT_JSON_TOKEN, ProviderError, "not JSON"),
        (fake.ODD_TOKEN, ProviderError, "Bad request"),
    ],
)
async def test_validate_errors(
    fake_bulutfon: tuple[fake.FakeBulutfon, str], token: str, error: type[Exception], message: str
) -> None:
    _, url = fake_bulutfon
    async with aiohttp.ClientSession() as session:
        with pytest.raises(error, match=message) as caught:
            await BulutfonClient(session, token, base_url=url).async_validate()
    assert token not in str(caught.value)


async def test_timeout(fake_bulutfon: tuple[fake.FakeBulutfon, str], monkeypatch: pytest.MonkeyPatch) -> None:
    server, url = fake_bulutfon
    server.slow_seconds = 2
    monkeypatch.setattr(bulutfon_api, "REQUEST_TIMEOUT", 0.2)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(ProviderConnectionError, match="in time"):
            await BulutfonClient(session, fake.SLOW_TOKEN, base_url=url).async_validate()


@pytest.mark.usefixtures("socket_enabled")
async def test_unreachable_server_hides_the_token() -> None:
    async with aiohttp.ClientSession() as session:
        client = BulutfonClient(session, "secret-token", base_url="http://127.0.0.1:9")
        with pytest.raises(ProviderConnectionError, match="the server refused the connection") as caught:
            await client.async_validate()
    assert "secret-token" not in str(caught.value)


async def test_unexpected_document(fake_bulutfon: tuple[fake.FakeBulutfon, str]) -> None:
    _, url = fake_bulutfon
    async with aiohttp.ClientSession() as session:
        with pytest.raises(ProviderError, match="unexpected JSON document"):
            await BulutfonClient(session, fake.LIST_TOKEN, base_url=url).async_validate()


async def test_refusal_without_a_json_reason(fake_bulutfon: tuple[fake.FakeBulutfon, str]) -> None:
    _, url = fake_bulutfon
    async with aiohttp.ClientSession() as session:
        with pytest.raises(AuthError, match="the API token was refused"):
            await BulutfonClient(session, fake.PLAIN_ERROR_TOKEN, base_url=url).async_validate()
