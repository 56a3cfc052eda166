"""Netgsm SMS (REST v2): sending, OTP, the delivery report and the inbox, against the fake API."""

from __future__ import annotations

from datetime import datetime

import aiohttp
import pytest

from custom_components.cloud_telephony.api import (
    EventType,
    FeatureUnavailableError,
    IysFilter,
    ProviderError,
    RateLimitedError,
    RequestValidationError,
    SmsOptions,
)
from custom_components.cloud_telephony.api.netgsm import ISTANBUL, NetgsmClient
from tests.fakes import netgsm as fake

# Fixed "now" of the client: 2 December 2026, 10:30:00 in Istanbul.
NOW = datetime(2026, 12, 2, 10, 30, tzinfo=ISTANBUL)


def _client(session: aiohttp.ClientSession, url: str, *, sms_header: str | None = None) -> NetgsmClient:
    return NetgsmClient(
        session, fake.USERCODE, fake.PASSWORD, base_url=url, sms_header=sms_header, clock=lambda: NOW
    )


async def test_send_uses_the_account_header_and_keeps_turkish_characters(
    fake_netgsm: tuple[fake.FakeNetgsm, str],
) -> None:
    server, url = fake_netgsm
    async with aiohttp.ClientSession() as session:
        sent = await _client(session, url).async_send_sms("+905320000000", "Kapı açık, şimdi kapatıyorum")
    assert (sent.to, sent.message_id, sent.status) == ("+905320000000", "17377215343", "accepted")
    [body] = server.sms_sent
    assert body["msgheader"] == "EVIM"
    assert body["messages"] == [{"msg": "Kapı açık, şimdi kapatıyorum", "no": "5320000000"}]
    assert body["encoding"] == "TR"
    assert "iysfilter" not in body
    assert "startdate" not in body


async def test_send_options(fake_netgsm: tuple[fake.FakeNetgsm, str]) -> None:
    server, url = fake_netgsm
    server.sms_headers.append("OFIS")
    options = SmsOptions(
        sender_id="OFIS",
        iys_filter=IysFilter.MERCHANT,
        schedule=datetime(2026, 12, 24, 7, 5, tzinfo=ISTANBUL),
        unicode=False,
    )
    async with aiohttp.ClientSession() as session:
        sent = await _client(session, url, sms_header="EVIM").async_send_sms("05321112233", "Kapı", options)
        # Plain text needs no Turkish encoding.
        await _client(session, url, sms_header="EVIM").async_send_sms("05321112233", "Garage open")
    assert sent.status == "scheduled"
    first, second = server.sms_sent
    assert (first["msgheader"], first["iysfilter"], first["startdate"]) == ("OFIS", "12", "241220260705")
    assert "encoding" not in first
    assert first["messages"][0]["no"] == "5321112233"
    assert (second["msgheader"], "encoding" in second) == ("EVIM", False)


async def test_otp_goes_by_the_otp_route_without_turkish_marks(
    fake_netgsm: tuple[fake.FakeNetgsm, str],
) -> None:
    server, url = fake_netgsm
    async with aiohttp.ClientSession() as session:
        client = _client(session, url)
        sent = await client.async_send_sms("+905320000000", "Doğrulama kodunuz: 4711", SmsOptions(otp=True))
        with pytest.raises(RequestValidationError, match="160"):
            await client.async_send_sms("+905320000000", "x" * 161, SmsOptions(otp=True))
    assert sent.message_id == "17377215343"
    assert server.otp_sent == [
        {"msgheader": "EVIM", "msg": "Dogrulama kodunuz: 4711", "no": "5320000000", "jobId": "17377215343"}
    ]
    assert server.sms_sent == []


@pytest.mark.parametrize(
    ("to", "options", "reason"),
    [
        ("+905320000000", SmsOptions(otp=True, schedule=datetime(2026, 12, 3, tzinfo=ISTANBUL)), "at once"),
        ("+905320000000", SmsOptions(otp=True, iys_filter=IysFilter.INDIVIDUAL), "without an İYS check"),
        ("+420603123456", SmsOptions(otp=True), "Turkish mobile numbers only"),
    ],
)
async def test_otp_refuses_what_its_route_cannot_do(
    fake_netgsm: tuple[fake.FakeNetgsm, str], to: str, options: SmsOptions, reason: str
) -> None:
    server, url = fake_netgsm
    async with aiohttp.ClientSession() as session:
        with pytest.raises(RequestValidationError, match=reason):
            await _client(session, url).async_send_sms(to, "4711", options)
    assert server.otp_sent == []


@pytest.mark.parametrize(
    ("setup", "error", "reason"),
    [
        ({"sms_denied": True}, FeatureUnavailableError, "may not use SMS"),
        ({"sms_headers": []}, ProviderError, "no SMS sender header"),
    ],
)
async def test_send_refusals(
    fake_netgsm: tuple[fake.FakeNetgsm, str], setup: dict[str, object], error: type[Exception], reason: str
) -> None:
    server, url = fake_netgsm
    for name, value in setup.items():
        setattr(server, name, value)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(error, match=reason):
            await _client(session, url).async_send_sms("+905320000000", "x")


async def test_an_unknown_header_is_netgsms_refusal_in_words(
    fake_netgsm: tuple[fake.FakeNetgsm, str],
) -> None:
    _, url = fake_netgsm
    async with aiohttp.ClientSession() as session:
        with pytest.raises(ProviderError, match=r"sender header is not defined in the account \(code 40\)"):
            await _client(session, url, sms_header="NOPE").async_send_sms("+905320000000", "x")
        with pytest.raises(RequestValidationError, match="empty"):
            await _client(session, url).async_send_sms("+905320000000", "  ")


@pytest.mark.parametrize(
    ("code", "error", "reason"),
    [
        ("85", RateLimitedError, "more than 20 messages to the same number"),
        ("80", RateLimitedError, "sending limit"),
        ("20", ProviderError, "text is wrong or too long"),
        ("51", ProviderError, "no İYS brand"),
        ("999", ProviderError, "unknown result"),
    ],
)
async def test_send_result_codes(
    fake_netgsm: tuple[fake.FakeNetgsm, str], code: str, error: type[Exception], reason: str
) -> None:
    server, url = fake_netgsm
    server.sms_send_code = code
    async with aiohttp.ClientSession() as session:
        with pytest.raises(error, match=reason) as caught:
            await _client(session, url).async_send_sms("+905320000000", "x")
    assert caught.value.code == code  # type: ignore[attr-defined]


async def test_delivery_report(fake_netgsm: tuple[fake.FakeNetgsm, str]) -> None:
    server, url = fake_netgsm
    server.sms_reports = {
        "101": [
            {
                "jobid": "101",
                "status": 1,
                "number": "5320000000",
                "operator": 30,
                "msglen": 10,
                "deliveredDate": "2026-12-02 10:01:07",
                "errorCode": 0,
            }
        ],
        "102": [{"jobid": "102", "status": 0, "number": "5321112233", "operator": 10}],
        "103": [{"jobid": "103", "status": 15, "number": "5324445566", "operator": 20}],
    }
    async with aiohttp.ClientSession() as session:
        client = _client(session, url)
        delivered, blacklisted = await client.async_poll_deliveries(["101", "102", "103"], "TR")
        assert await client.async_poll_deliveries(["999"], "TR") == []
        assert await client.async_poll_deliveries([], "TR") == []
    assert delivered.type is EventType.SMS_STATUS
    assert (delivered.call_id, delivered.callee, delivered.status) == ("101", "+905320000000", "delivered")
    assert delivered.occurred_at == datetime(2026, 12, 2, 10, 1, 7, tzinfo=ISTANBUL)
    assert delivered.extra["operator"] == 30
    assert delivered.extra["failure_reason"] is None
    assert delivered.dedupe_key == "dlr:101:+905320000000:1"
    # Waiting (status 0) is asked again later; a final failure says why.
    assert (blacklisted.call_id, blacklisted.status) == ("103", "failed")
    assert blacklisted.extra["failure_reason"] == "blacklisted"
    first = server.report_bodies[0]
    assert first["jobids"] == ["101", "102", "103"]
    assert (first["startdate"], first["stopdate"]) == ("30.11.2026 10:30:00", "02.12.2026 10:30:00")
    assert len(server.report_bodies) == 2


async def test_inbox(fake_netgsm: tuple[fake.FakeNetgsm, str]) -> None:
    server, url = fake_netgsm
    server.sms_inbox = [
        {
            "message": "KAPAT",
            "sender": "5320000000",
            "receiver": "8503050000",
            "datetime": "02.12.2026 10:12:00",
        },
        {
            "message": "Tamam",
            "sender": "905321112233",
            "receiver": "8503050000",
            "datetime": "02.12.2026 09:00:00",
        },
    ]
    async with aiohttp.ClientSession() as session:
        client = _client(session, url)
        older, newer = await client.async_fetch_incoming_sms("TR")
        again = await client.async_fetch_incoming_sms("TR")
        server.sms_inbox = []
        assert await client.async_fetch_incoming_sms("TR") == []
    assert (older.caller, older.message) == ("+905321112233", "Tamam")
    assert (newer.type, newer.caller, newer.callee) == (
        EventType.SMS_RECEIVED,
        "+905320000000",
        "+908503050000",
    )
    assert newer.occurred_at == datetime(2026, 12, 2, 10, 12, tzinfo=ISTANBUL)
    # Read with a date range, the inbox answers the same again: the same identities.
    assert [event.dedupe_key for event in again] == [older.dedupe_key, newer.dedupe_key]
    assert server.inbox_queries[0] == {"startdate": "01122026103000", "stopdate": "02122026103000"}
