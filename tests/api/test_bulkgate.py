"""BulkGate: client against a local fake of the Simple API, and the DLR / reply parser."""

from __future__ import annotations

from datetime import UTC, datetime
import json
from urllib.parse import urlencode

import aiohttp
import pytest

from custom_components.cloud_telephony.api import (
    AuthError,
    Balance,
    Direction,
    EventType,
    InsufficientBalanceError,
    InvalidNumberError,
    PayloadError,
    ProviderConnectionError,
    ProviderError,
    RequestValidationError,
    SentMessage,
    SmsOptions,
    WebhookRequest,
    bulkgate as bulkgate_api,
)
from custom_components.cloud_telephony.api.bulkgate import BulkGateClient, gsm_length, parse_webhook
from tests.conftest import fixture_bytes
from tests.fakes import bulkgate as fake

RECEIVED_AT = datetime(2026, 3, 1, 12, 30, 45, tzinfo=UTC)


def _request(body: bytes, *, method: str = "POST", query: dict[str, str] | None = None) -> WebhookRequest:
    return WebhookRequest(
        body=body,
        content_type="application/json",
        method=method,
        query=query or {},
        region="CZ",
        received_at=RECEIVED_AT,
    )


def _client(session: aiohttp.ClientSession, url: str, token: str = fake.APPLICATION_TOKEN) -> BulkGateClient:
    return BulkGateClient(session, fake.APPLICATION_ID, token, base_url=url)


# ---- client ----------------------------------------------------------------------------------


async def test_balance(fake_bulkgate: tuple[fake.FakeBulkGate, str]) -> None:
    _, url = fake_bulkgate
    async with aiohttp.ClientSession() as session:
        assert await _client(session, url).async_validate() == Balance(amount=215.8138, unit="credits")


async def test_balance_with_wrong_token(fake_bulkgate: tuple[fake.FakeBulkGate, str]) -> None:
    _, url = fake_bulkgate
    async with aiohttp.ClientSession() as session:
        with pytest.raises(AuthError, match="authentication_failed"):
            await _client(session, url, "wrong").async_get_balance()


async def test_send_sms(fake_bulkgate: tuple[fake.FakeBulkGate, str]) -> None:
    server, url = fake_bulkgate
    async with aiohttp.ClientSession() as session:
        sent = await _client(session, url).async_send_sms(
            "+420603123456", "Garage open. Reply CLOSE to close it"
        )
    assert sent == SentMessage(
        to="+420603123456",
        message_id="tmp00000000001",
        status="accepted",
        price=0.02,
        remaining_credit=215.7938,
    )
    assert server.sent == [
        {
            "application_id": fake.APPLICATION_ID,
            "application_token": fake.APPLICATION_TOKEN,
            "number": "420603123456",
            "text": "Garage open. Reply CLOSE to close it",
            "unicode": False,
            "sender_id": "gSystem",
            "duplicates_check": "off",
        }
    ]


async def test_send_sms_options_and_unicode(fake_bulkgate: tuple[fake.FakeBulkGate, str]) -> None:
    server, url = fake_bulkgate
    async with aiohttp.ClientSession() as session:
        client = BulkGateClient(
            session,
            fake.APPLICATION_ID,
            fake.APPLICATION_TOKEN,
            sender_id="text",
            sender_id_value="Home",
            base_url=url,
        )
        await client.async_send_sms("+420603123456", "Garáž je otevřená")
        await client.async_send_sms(
            "603123456",
            "Alarm {armed}",
            SmsOptions(
                country="CZ",
                # BulkGate's own name, as older versions stored it and as users may type it.
                sender_id="gOwn",
                sender_id_value="420777777777",
                schedule=datetime(2026, 3, 1, 18, 0, tzinfo=UTC),
                duplicates_check=True,
            ),
        )
        await client.async_send_sms("+420603123456", "plain", SmsOptions(unicode=True))
    first, second, third = server.sent
    assert first["unicode"] is True  # ž and ř are not GSM characters
    assert (first["sender_id"], first["sender_id_value"]) == ("gText", "Home")
    assert second["unicode"] is False
    assert second["number"] == "603123456"
    assert second["country"] == "cz"
    assert (second["sender_id"], second["sender_id_value"]) == ("gOwn", "420777777777")
    assert second["schedule"] == "2026-03-01T18:00:00+00:00"
    assert second["duplicates_check"] == "on"
    assert third["unicode"] is True


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("unknown_identity", AuthError),
        ("banned", AuthError),
        ("invalid_phone_number", InvalidNumberError),
        ("blacklisted_number", InvalidNumberError),
        ("no_recipients", InvalidNumberError),
        ("low_credit", InsufficientBalanceError),
        ("invalid_numeric_sender", ProviderError),
        ("empty_message", ProviderError),
        ("admin_not_found", ProviderError),
        ("method_not_allowed", ProviderError),
        ("unknown_action", ProviderError),
        ("unsupported_api_version", ProviderError),
        ("unknown", ProviderConnectionError),
    ],
)
async def test_every_error_type(
    fake_bulkgate: tuple[fake.FakeBulkGate, str], kind: str, error: type[Exception]
) -> None:
    _, url = fake_bulkgate
    number = next(number for number, error_kind in fake.ERROR_NUMBERS.items() if error_kind == kind)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(error) as caught:
            await _client(session, url).async_send_sms(f"+{number}", "hello")
    assert str(caught.value).endswith(fake.ERRORS[kind][1])
    if isinstance(caught.value, ProviderError):
        assert caught.value.code == kind
    assert fake.APPLICATION_TOKEN not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "options", "message"),
    [
        ("", None, "empty"),
        ("a" * 613, None, "613 characters long; at most 612"),
        ("€" * 307, None, "614 characters long; at most 612"),
        ("ř" * 269, None, "269 characters long; at most 268"),
        ("a" * 269, SmsOptions(unicode=True), "269 characters long; at most 268"),
    ],
)
async def test_limits_are_checked_before_sending(
    fake_bulkgate: tuple[fake.FakeBulkGate, str], text: str, options: SmsOptions | None, message: str
) -> None:
    server, url = fake_bulkgate
    async with aiohttp.ClientSession() as session:
        with pytest.raises(RequestValidationError, match=message):
            await _client(session, url).async_send_sms("+420603123456", text, options)
        with pytest.raises(RequestValidationError, match="no phone number"):
            await _client(session, url).async_send_sms("+", "hi")
    assert server.sent == []


@pytest.mark.usefixtures("socket_enabled")
async def test_unreachable() -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(ProviderConnectionError, match="the server refused the connection"):
            await _client(session, "http://127.0.0.1:9").async_get_balance()


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (502, "<html>bad gateway</html>", ProviderConnectionError, "HTTP 502"),
        (200, "<html>maintenance</html>", ProviderError, "not JSON"),
        (200, '{"data": []}', ProviderError, "no data"),
        (200, '{"data": {"currency": "credits"}}', ProviderError, "no credit"),
        (401, '{"type": "x", "code": 401}', AuthError, "x"),
    ],
)
async def test_odd_answers(
    fake_bulkgate: tuple[fake.FakeBulkGate, str],
    monkeypatch: pytest.MonkeyPatch,
    status: int,
    body: str,
    error: type[Exception],
    message: str,
) -> None:
    server, _url = fake_bulkgate

    async def odd(request: aiohttp.web.Request) -> aiohttp.web.Response:
        return aiohttp.web.Response(text=body, status=status, content_type="application/json")

    monkeypatch.setattr(server, "info", odd)
    app = server.app()
    test_server = aiohttp.test_utils.TestServer(app, host="127.0.0.1")
    await test_server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(error, match=message):
                await _client(session, str(test_server.make_url("")).rstrip("/")).async_get_balance()
    finally:
        await test_server.close()


async def test_timeout(fake_bulkgate: tuple[fake.FakeBulkGate, str], monkeypatch: pytest.MonkeyPatch) -> None:
    server, _url = fake_bulkgate

    async def slow(request: aiohttp.web.Request) -> aiohttp.web.Response:
        await __import__("asyncio").sleep(2)
        return aiohttp.web.json_response({})

    monkeypatch.setattr(server, "info", slow)
    monkeypatch.setattr(bulkgate_api, "REQUEST_TIMEOUT", 0.2)
    test_server = aiohttp.test_utils.TestServer(server.app(), host="127.0.0.1")
    await test_server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(ProviderConnectionError, match="in time"):
                await _client(session, str(test_server.make_url("")).rstrip("/")).async_get_balance()
    finally:
        await test_server.close()


def test_gsm_length() -> None:
    assert gsm_length("Hello @ 10:00") == 13
    assert gsm_length("[€]") == 6
    assert gsm_length("Straße") is None or gsm_length("Straße") == 6
    assert gsm_length("שלום") is None


# ---- webhook ---------------------------------------------------------------------------------


def test_documented_example() -> None:
    """The seed's example, byte for byte, trailing comma included."""
    delivered, buffered, reply = parse_webhook(_request(fixture_bytes("bulkgate/seed_dlr_and_reply.json")))
    assert delivered.type is EventType.SMS_STATUS
    assert delivered.status == "delivered"
    assert delivered.call_id == "3t2563af3ff285"
    assert delivered.direction is Direction.OUTBOUND
    assert delivered.extra["price"] == 0.71
    # 1904111007;1904111011 in Prague time (CEST, UTC+2)
    assert delivered.extra["sent_at"] == "2019-04-11T10:07:00+02:00"
    assert delivered.extra["delivered_at"] == "2019-04-11T10:11:00+02:00"
    assert delivered.occurred_at == datetime(2019, 4, 11, 8, 11, tzinfo=UTC)
    assert buffered.status == "buffered"
    assert buffered.call_id == "2t2563af3ff285"
    assert reply.type is EventType.SMS_RECEIVED
    assert reply.caller == "+420777777777"
    assert reply.message == "text odpovědi"
    assert reply.direction is Direction.INBOUND
    assert reply.occurred_at is None
    assert reply.dedupe_key.endswith(":202603011230")


@pytest.mark.parametrize(
    ("status", "label"), [(1, "delivered"), ("2", "buffered"), (3, "failed"), ("13", "read")]
)
def test_statuses_as_numbers_or_strings(status: int | str, label: str) -> None:
    body = json.dumps(
        {"status": status, "smsID": "abc", "price": 0.5, "to": "420603123456", "date": "2601151200"}
    )
    [event] = parse_webhook(_request(body.encode()))
    assert event.status == label
    assert event.callee == "+420603123456"
    assert event.extra["price"] == 0.5
    assert event.extra["delivered_at"] is None
    assert event.occurred_at == datetime(2026, 1, 15, 11, 0, tzinfo=UTC)  # CET, UTC+1


def test_reply_with_message_field_and_winter_date() -> None:
    body = b'{"status": 10, "from": "420777777777", "message": "CLOSE", "date": "2601151200"}'
    [event] = parse_webhook(_request(body))
    assert event.message == "CLOSE"
    assert event.occurred_at == datetime(2026, 1, 15, 11, 0, tzinfo=UTC)
    assert event.dedupe_key.endswith(":2601151200")


def test_same_reply_later_is_a_new_message_but_a_retry_is_not() -> None:
    body = b'[{"status": "10", "from": "420777777777", "text": "YES"}]'
    first = parse_webhook(_request(body))[0].dedupe_key
    retry = parse_webhook(_request(body))[0].dedupe_key
    later = parse_webhook(
        WebhookRequest(body=body, received_at=datetime(2026, 3, 1, 12, 45, tzinfo=UTC), region="CZ")
    )[0].dedupe_key
    other_text = parse_webhook(_request(b'[{"status": "10", "from": "420777777777", "text": "NO"}]'))[
        0
    ].dedupe_key
    assert first == retry
    assert len({first, later, other_text}) == 3


def test_legacy_get_mode() -> None:
    query = {"status": "1", "smsID": "legacy1", "price": "0.5", "date": "1904111007;1904111011"}
    [event] = parse_webhook(_request(b"", method="GET", query=query))
    assert (event.type, event.status, event.call_id) == (EventType.SMS_STATUS, "delivered", "legacy1")
    query = {"status": "10", "from": "420777777777", "message": "ahoj"}
    [event] = parse_webhook(_request(b"", method="GET", query=query))
    assert (event.type, event.message) == (EventType.SMS_RECEIVED, "ahoj")
    # Some setups post the legacy fields as a form.
    [event] = parse_webhook(_request(urlencode(query).encode()))
    assert event.message == "ahoj"


def test_array_of_a_thousand() -> None:
    items = [{"status": "1", "smsID": f"id{index}", "price": "0.71"} for index in range(1000)]
    events = parse_webhook(_request(json.dumps(items).encode()))
    assert len(events) == 1000
    assert len({event.dedupe_key for event in events}) == 1000


def test_unknown_status_is_skipped() -> None:
    assert parse_webhook(_request(b'{"status": "7", "smsID": "x"}')) == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'[{"smsID": "x"}]', "status is missing"),
        (b'{"status": "ten"}', "status is missing"),
        (b'{"status": "10"}', "sender or a text"),
        (b"[1, 2]", "expected an object"),
        (b"[", "not valid JSON"),
    ],
)
def test_malformed(body: bytes, reason: str) -> None:
    with pytest.raises(PayloadError, match=reason):
        parse_webhook(_request(body))


def test_bad_dates_are_ignored() -> None:
    [event] = parse_webhook(_request(b'{"status": "1", "smsID": "x", "date": "soon;later"}'))
    assert (event.extra["sent_at"], event.extra["delivered_at"], event.occurred_at) == (None, None, None)
