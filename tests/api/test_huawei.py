"""Huawei Cloud Voice Call: AKSK headers, callVerify, result codes, status and fee pushes."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
import json

import aiohttp
import pytest

from custom_components.cloud_telephony.api import (
    AuthError,
    EventType,
    InsufficientBalanceError,
    InvalidNumberError,
    PayloadError,
    Prompt,
    ProviderConnectionError,
    ProviderError,
    PushSignature,
    RateLimitedError,
    RequestValidationError,
    VoiceCode,
    VoiceMessage,
    WebhookRequest,
)
from custom_components.cloud_telephony.api.huawei import (
    HuaweiClient,
    aksk_headers,
    parse_aksk,
    parse_webhook,
    password_digest,
    verify_push,
)
from tests.conftest import fixture_bytes
from tests.fakes import huawei as fake

WEBHOOK_URL = "https://home.example.com/api/webhook/abc"


def _client(
    session: aiohttp.ClientSession, url: str, secret: str = fake.APP_SECRET, clock: object = None
) -> HuaweiClient:
    return HuaweiClient(
        session,
        fake.APP_KEY,
        secret,
        display_number="+8653159511234",
        pre_tone="pretone.wav",
        base_url=url,
        clock=clock,  # type: ignore[arg-type]
    )


def _push(body: bytes | dict[str, object], headers: dict[str, str] | None = None) -> WebhookRequest:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return WebhookRequest(
        body=raw, content_type="application/json", headers=headers or {}, received_at=datetime.now(UTC)
    )


def test_headers_match_the_documented_formula() -> None:
    headers = aksk_headers("appkey", "secret", "66C92B11FF8A425FB8D4CCFE0ED9ED1F", "2026-11-23T10:00:00Z")
    assert headers["Authorization"] == 'AKSK realm="SDP",profile="UsernameToken",type="Appkey"'
    expected = base64.b64encode(
        __import__("hmac")
        .new(b"secret", b"66C92B11FF8A425FB8D4CCFE0ED9ED1F2026-11-23T10:00:00Z", "sha256")
        .digest()
    ).decode()
    assert headers["X-AKSK"] == (
        f'UsernameToken Username="appkey",PasswordDigest="{expected}",'
        'Nonce="66C92B11FF8A425FB8D4CCFE0ED9ED1F",Created="2026-11-23T10:00:00Z"'
    )
    # With the spaces Huawei's own documents put after the commas, too.
    spaced = headers["X-AKSK"].replace('",', '", ')
    assert parse_aksk(spaced) == parse_aksk(headers["X-AKSK"])


async def test_call_verify(fake_huawei: tuple[fake.FakeHuawei, str]) -> None:
    server, url = fake_huawei
    async with aiohttp.ClientSession() as session:
        placed = await _client(session, url).async_send_voice_code(
            VoiceCode(
                to="+8613500000001",
                code="1234",
                language="zh-Hans",
                callback_url=WEBHOOK_URL,
                repeat=3,
                post_tone="post.wav",
            )
        )
    assert placed.job_id == fake.SESSION_ID
    assert placed.errors == {}
    [body] = server.calls
    user_data = body.pop("userData")
    assert len(user_data) == 32
    encoded = base64.b64encode(WEBHOOK_URL.encode()).decode()
    assert body == {
        "displayNbr": "+8653159511234",
        "calleeNbr": "+8613500000001",
        "languageType": 2,
        "preTone": "pretone.wav",
        "verifyCode": "1234",
        "posTone": "post.wav",
        "times": 3,
        "statusUrl": encoded,
        "feeUrl": encoded,
    }
    assert server.headers[0]["Content-Type"] == "application/json;charset=UTF-8"


@pytest.mark.parametrize(
    ("to", "code", "repeat", "error", "reason"),
    [
        ("+8613500000001", "1", None, RequestValidationError, "2 to 8 digits"),
        ("+8613500000001", "123456789", None, RequestValidationError, "2 to 8 digits"),
        ("+8613500000001", "12a4", None, RequestValidationError, "2 to 8 digits"),
        ("+8613500000001", "1234", 10, RequestValidationError, "0 to 9 times"),
        ("13500000001", "1234", None, InvalidNumberError, "not an international number"),
    ],
)
async def test_inputs_are_checked_before_sending(
    fake_huawei: tuple[fake.FakeHuawei, str],
    to: str,
    code: str,
    repeat: int | None,
    error: type[Exception],
    reason: str,
) -> None:
    server, url = fake_huawei
    async with aiohttp.ClientSession() as session:
        with pytest.raises(error, match=reason):
            await _client(session, url).async_send_voice_code(VoiceCode(to=to, code=code, repeat=repeat))
    assert server.calls == []


async def test_wrong_secret_is_caught_by_the_server(fake_huawei: tuple[fake.FakeHuawei, str]) -> None:
    _, url = fake_huawei
    async with aiohttp.ClientSession() as session:
        with pytest.raises(AuthError, match=r"Authentication failed \(1023006\)"):
            await _client(session, url, "wrong-secret").async_send_voice_code(
                VoiceCode(to="+8613500000001", code="1234")
            )


async def test_beijing_time_is_tried_after_a_time_refusal(fake_huawei: tuple[fake.FakeHuawei, str]) -> None:
    """Huawei's documents say UTC, and later Beijing time written with a Z: whichever it wants works."""
    server, url = fake_huawei
    server.beijing_time = True
    async with aiohttp.ClientSession() as session:
        client = _client(session, url)
        placed = await client.async_send_voice_code(VoiceCode(to="+8613500000001", code="1234"))
        assert placed.job_id == fake.SESSION_ID
        assert len(server.headers) == 2  # refused in UTC, accepted in Beijing time
        await client.async_send_voice_code(VoiceCode(to="+8613500000001", code="5678"))
        assert len(server.headers) == 3  # remembered: one request
    assert len(server.calls) == 2


async def test_clock_skew_has_a_clear_hint(fake_huawei: tuple[fake.FakeHuawei, str]) -> None:
    _, url = fake_huawei
    async with aiohttp.ClientSession() as session:
        # Three hours off: wrong both as UTC and as Beijing time.
        client = _client(session, url, clock=lambda: datetime.now(UTC) - timedelta(hours=3))
        with pytest.raises(ProviderError, match="check that Home Assistant's clock is right") as caught:
            await client.async_send_voice_code(VoiceCode(to="+8613500000001", code="1234"))
        assert caught.value.code == "1010013"
        with pytest.raises(ProviderError, match="1010013"):
            await client.async_validate()


async def test_validate(fake_huawei: tuple[fake.FakeHuawei, str]) -> None:
    server, url = fake_huawei
    async with aiohttp.ClientSession() as session:
        await _client(session, url).async_validate()
        with pytest.raises(AuthError):
            await _client(session, url, "wrong").async_validate()
        bad = HuaweiClient(
            session, fake.APP_KEY, fake.APP_SECRET, display_number="0531", pre_tone="p.wav", base_url=url
        )
        with pytest.raises(RequestValidationError, match="display number"):
            await bad.async_validate()
        bad = HuaweiClient(
            session,
            fake.APP_KEY,
            fake.APP_SECRET,
            display_number="+8653159511234",
            pre_tone=" ",
            base_url=url,
        )
        with pytest.raises(RequestValidationError, match="pre-tone"):
            await bad.async_validate()
        bad = HuaweiClient(
            session,
            fake.APP_KEY,
            fake.APP_SECRET,
            display_number="+8653159511234",
            pre_tone="p",
            base_url="ftp://x",
        )
        with pytest.raises(RequestValidationError, match="access address"):
            await bad.async_validate()
        # A wrong access address answers something that is not Huawei's: not a pass.
        with pytest.raises(ProviderError, match="not JSON"):
            await _client(session, url + "/nowhere").async_validate()
        # An account that cannot call is no pass either.
        server.stop_reply = {"resultcode": "1010007", "resultdesc": "User not active"}
        with pytest.raises(InsufficientBalanceError):
            await _client(session, url).async_validate()
        server.stop_reply = {"resultcode": "1010021", "resultdesc": "Application unavailable"}
        with pytest.raises(ProviderError, match="1010021"):
            await _client(session, url).async_validate()
        server.stop_reply = {"resultdesc": "no code"}
        with pytest.raises(ProviderError, match="without a result code"):
            await _client(session, url).async_validate()
    assert server.calls == []  # nothing was dialled


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("1010003", AuthError),
        ("1020150", AuthError),
        ("1023006", AuthError),
        ("1023020", ProviderError),  # not one of the documented authentication codes
        ("1023035", AuthError),
        ("1010010", RateLimitedError),
        ("1020165", RateLimitedError),
        ("1010007", InsufficientBalanceError),
        ("1012006", ProviderError),
    ],
)
async def test_result_codes(
    fake_huawei: tuple[fake.FakeHuawei, str], code: str, error: type[Exception]
) -> None:
    server, url = fake_huawei
    server.reply = {"resultcode": code, "resultdesc": "described by Huawei"}
    async with aiohttp.ClientSession() as session:
        with pytest.raises(error, match=f"described by Huawei \\({code}\\)"):
            await _client(session, url).async_send_voice_code(VoiceCode(to="+8613500000001", code="1234"))


async def test_odd_answers(fake_huawei: tuple[fake.FakeHuawei, str]) -> None:
    server, url = fake_huawei
    server.reply = {"resultcode": "0", "resultdesc": "Success"}
    async with aiohttp.ClientSession() as session:
        with pytest.raises(ProviderError, match="no session id"):
            await _client(session, url).async_send_voice_code(VoiceCode(to="+8613500000001", code="1234"))
        with pytest.raises(ProviderError, match="not JSON"):
            await _client(session, url + "/nowhere").async_send_voice_code(
                VoiceCode(to="+8613500000001", code="1234")
            )


@pytest.mark.usefixtures("socket_enabled")
async def test_unreachable() -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(ProviderConnectionError, match="the server refused the connection"):
            await _client(session, "http://127.0.0.1:9").async_send_voice_code(
                VoiceCode(to="+8613500000001", code="1234")
            )


# ---- pushes ----------------------------------------------------------------------------------


def test_documented_status_push() -> None:
    [event] = parse_webhook(_push(fixture_bytes("huawei/seed_status_callout.json")))
    assert event.type is EventType.CALL_STATUS
    assert event.status == "dialing"
    assert event.call_id == "1201_612_4294967295_20190124030424@callenabler245.huaweicaas.com"
    assert (event.caller, event.callee) == ("+8613800000022", "+8613800000021")
    assert event.occurred_at == datetime(2019, 1, 24, 3, 4, 24, tzinfo=UTC)
    assert event.extra["final"] is False


@pytest.mark.parametrize(
    ("kind", "info", "status", "final"),
    [
        ("alerting", {}, "ringing", False),
        ("answer", {}, "answered", False),
        ("disconnect", {"stateCode": 0, "stateDesc": "The user releases the call."}, "completed", True),
        ("disconnect", {}, "completed", True),
        ("disconnect", {"stateCode": 8003}, "not_answered", True),
        ("disconnect", {"stateCode": 8101}, "not_answered", True),
        ("disconnect", {"stateCode": 8102}, "busy", True),
        ("disconnect", {"stateCode": 8104}, "unreachable", True),
        ("disconnect", {"stateCode": 8100}, "invalid_number", True),
        ("disconnect", {"stateCode": 7001}, "failed", True),
        ("disconnect", {"stateCode": "8006"}, "failed", True),
    ],
)
def test_status_families(kind: str, info: dict[str, object], status: str, final: bool) -> None:
    body = {"eventType": kind, "statusInfo": {"sessionId": "s1", "timestamp": "2026-01-01 10:00:00", **info}}
    [event] = parse_webhook(_push(body))
    assert (event.status, event.extra["final"]) == (status, final)
    assert event.extra["state_code"] == (int(info["stateCode"]) if "stateCode" in info else None)  # type: ignore[call-overload]


def test_collect_info_carries_the_key() -> None:
    body = {"eventType": "collectInfo", "statusInfo": {"sessionId": "s1", "digitInfo": "1"}}
    [event] = parse_webhook(_push(body))
    assert (event.status, event.key_pressed, event.dedupe_key) == ("answered", "1", "s1:collectinfo:1")


def test_unknown_event_type_is_skipped() -> None:
    assert parse_webhook(_push({"eventType": "dtmf", "statusInfo": {"sessionId": "s1"}})) == []


def test_documented_fee_push() -> None:
    [record] = parse_webhook(_push(fixture_bytes("huawei/seed_fee.json")))
    assert record.type is EventType.CALL_RECORD
    assert record.extra["icid"] == "CAE-20190124110424-12019775"
    assert record.duration == 18  # answered 03:04:31, ended 03:04:49
    assert record.status == "answered"
    assert record.occurred_at == datetime(2019, 1, 24, 3, 4, 49, tzinfo=UTC)
    assert record.extra["service_type"] == "002"
    assert record.extra["recording_url"] is None
    assert record.dedupe_key == (
        "fee:CAE-20190124110424-12019775:1201_612_4294967295_20190124030424@callenabler245.huaweicaas.com"
    )


def test_fifty_records_in_one_push() -> None:
    template = json.loads(fixture_bytes("huawei/seed_fee.json"))["feeLst"][0]
    records = [{**template, "icid": f"CAE-{index}", "sessionId": f"s{index}"} for index in range(50)]
    events = parse_webhook(_push({"eventType": "fee", "feeLst": records}))
    assert len(events) == 50
    assert len({event.dedupe_key for event in events}) == 50


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"statusInfo": {"sessionId": "s"}}, "eventType is missing"),
        ({"eventType": "answer", "statusInfo": {}}, "sessionId is missing"),
        ({"eventType": "fee"}, "feeLst is missing"),
        ({"eventType": "fee", "feeLst": [{"callerNum": "+86"}]}, "neither icid nor sessionId"),
    ],
)
def test_malformed_pushes(body: dict[str, object], reason: str) -> None:
    with pytest.raises(PayloadError, match=reason):
        parse_webhook(_push(body))


NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
CREATED = "2026-11-23T10:00:00Z"


def _signed(message: str, username: str = fake.APP_KEY, created: str = CREATED) -> dict[str, str]:
    digest = password_digest(fake.APP_SECRET, message.replace("t1", created))
    return {
        "X-AKSK": (
            f'UsernameToken Username="{username}",PasswordDigest="{digest}",Nonce="n1",Created="{created}"'
        )
    }


def _verify(headers: dict[str, str], received_at: datetime = NOW) -> PushSignature:
    credentials = {"app_key": fake.APP_KEY, "app_secret": fake.APP_SECRET}
    request = WebhookRequest(
        body=b"{}", content_type="application/json", headers=headers, received_at=received_at
    )
    return verify_push(request, credentials, WEBHOOK_URL)


@pytest.mark.parametrize(
    ("headers", "valid"),
    [
        (_signed("n1t1"), True),
        (_signed(f"{WEBHOOK_URL}n1t1"), True),
        (_signed(f"{WEBHOOK_URL}\nn1\nt1"), True),
        (_signed("n1t1", username="someone-else"), False),
        (_signed("other"), False),
        ({}, False),
    ],
)
def test_push_signature(headers: dict[str, str], valid: bool) -> None:
    signature = _verify(headers)
    assert signature.valid is valid
    assert signature.nonce == ("n1" if valid else None)


@pytest.mark.parametrize(
    ("created", "recent"),
    [
        ("2026-11-23T10:14:59Z", True),
        ("2026-11-23T09:45:01Z", True),
        ("2026-11-23T09:44:00Z", False),
        ("2026-11-23T10:16:00Z", False),
        # Beijing time written with a Z, as some of Huawei's documents have it.
        ("2026-11-23T18:02:00Z", True),
        ("2026-11-23T10:00:00.123Z", True),
        ("2026-11-23 10:00:00", True),
        ("not a time", False),
        ("", False),
    ],
)
def test_a_signed_push_must_be_recent(created: str, recent: bool) -> None:
    """A captured push replayed later carries an old `Created`: refused in strict mode."""
    signature = _verify(_signed("n1t1", created=created))
    assert signature.valid is recent
    if not recent:
        assert signature.reason == "signature is not recent (Created)"


@pytest.mark.parametrize(
    ("message", "error", "reason"),
    [
        (
            VoiceMessage(numbers=["8613500000001"], prompts=[Prompt(audio_id="a.wav")]),
            InvalidNumberError,
            "international",
        ),
        (
            VoiceMessage(numbers=["+8613500000001"], prompts=[Prompt(audio_id=f"{n}.wav") for n in range(6)]),
            RequestValidationError,
            "at most 5 parts",
        ),
        (
            VoiceMessage(
                numbers=["+8613500000001"],
                prompts=[Prompt(audio_id="a.wav")],
                start=datetime(2026, 12, 2, tzinfo=UTC),
                end=datetime(2026, 12, 3, tzinfo=UTC),
            ),
            RequestValidationError,
            "at once",
        ),
        (
            VoiceMessage(numbers=["+8613500000001"], prompts=[Prompt(audio_id="a.wav")], keys={"12": None}),
            RequestValidationError,
            "not a digit",
        ),
        (
            VoiceMessage(numbers=["+8613500000001"], prompts=[], keys={"1": None}),
            RequestValidationError,
            "nothing",
        ),
        (
            VoiceMessage(numbers=["+8613500000001"], prompts=[Prompt(audio_id="a.wav")], template_id="t"),
            RequestValidationError,
            "needs texts",
        ),
        (
            VoiceMessage(numbers=["+8613500000001"], prompts=[Prompt(text="长" * 11)], template_id="t"),
            RequestValidationError,
            "32 bytes",
        ),
        (
            VoiceMessage(numbers=["+8613500000001"], prompts=[Prompt(audio_id="a.wav")], relation_id="r"),
            RequestValidationError,
            "relation id",
        ),
    ],
)
async def test_voice_notification_is_checked_before_sending(
    fake_huawei: tuple[fake.FakeHuawei, str], message: VoiceMessage, error: type[Exception], reason: str
) -> None:
    server, url = fake_huawei
    async with aiohttp.ClientSession() as session:
        with pytest.raises(error, match=reason):
            await _client(session, url).async_send_voice_message(message)
    assert server.notifications == []
