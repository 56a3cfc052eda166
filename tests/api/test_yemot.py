"""Yemot HaMashiach: tokens and their renewal, the envelope, calls, SMS, campaigns and the inbox."""

from __future__ import annotations

from datetime import UTC, datetime

import aiohttp
from aiohttp import web
import pytest

from custom_components.cloud_telephony.api import (
    AuthError,
    Balance,
    EventType,
    FeatureUnavailableError,
    InvalidNumberError,
    IysFilter,
    PayloadError,
    Prompt,
    ProviderConnectionError,
    ProviderError,
    RequestValidationError,
    SmsOptions,
    VoiceCode,
    VoiceMessage,
    WebhookRequest,
)
from custom_components.cloud_telephony.api.yemot import (
    JERUSALEM,
    YemotClient,
    canonical_path,
    israeli_number,
    ivr_path,
    parse_webhook,
    spoken_code,
)
from tests.fakes import yemot as fake


def _client(session: aiohttp.ClientSession, **kwargs: object) -> YemotClient:
    options: dict[str, object] = {"password": fake.PASSWORD, **kwargs}
    return YemotClient(session, fake.SYSTEM_NUMBER, **options)  # type: ignore[arg-type]


async def test_login_once_and_reuse_the_session(fake_yemot: fake.FakeYemot) -> None:
    async with aiohttp.ClientSession() as session:
        client = _client(session)
        assert await client.async_validate() == Balance(amount=1234.5, unit="units")
        await client.async_get_balance()
    assert fake_yemot.logins == 1
    commands = [(command, params.get("token")) for command, params, _ in fake_yemot.requests]
    assert commands == [("Login", None), ("GetSession", "session-1"), ("GetSession", "session-1")]


@pytest.mark.parametrize("style", sorted(fake.EXPIRY_ANSWERS))
async def test_expired_session_is_renewed_transparently(fake_yemot: fake.FakeYemot, style: str) -> None:
    async with aiohttp.ClientSession() as session:
        client = _client(session)
        await client.async_get_balance()
        fake_yemot.expire_sessions(style)
        assert (await client.async_get_balance()).amount == 1234.5
    assert fake_yemot.logins == 2
    assert [command for command, _, _ in fake_yemot.requests] == [
        "Login",
        "GetSession",
        "GetSession",
        "Login",
        "GetSession",
    ]


async def test_permanent_token(fake_yemot: fake.FakeYemot) -> None:
    async with aiohttp.ClientSession() as session:
        await YemotClient(session, fake.SYSTEM_NUMBER, token=fake.PERMANENT_TOKEN).async_validate()
        with pytest.raises(AuthError, match="the token was refused"):
            await YemotClient(session, fake.SYSTEM_NUMBER, token="0773137770:wrong").async_validate()
    assert fake_yemot.logins == 0


async def test_wrong_password(fake_yemot: fake.FakeYemot) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(AuthError, match="the login was refused: Login failed"):
            await _client(session, password="nope").async_validate()


def test_password_or_token_is_needed() -> None:
    with pytest.raises(RequestValidationError, match="password or a token"):
        YemotClient(None, fake.SYSTEM_NUMBER)  # type: ignore[arg-type]


async def test_error_envelopes(fake_yemot: fake.FakeYemot) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(AuthError, match="the login was refused: שרת זה אינו תומך"):
            await _client(session, server="private").async_validate()
        with pytest.raises(ProviderError, match="אינו תומך"):
            await YemotClient(
                session, fake.SYSTEM_NUMBER, token=fake.PERMANENT_TOKEN, server="p"
            ).async_validate()
        client = _client(session)
        with pytest.raises(ProviderError, match="unknown command"):
            await client._command("NoSuchCommand", {})


async def test_spoken_call_with_hebrew_and_refused_numbers(fake_yemot: fake.FakeYemot) -> None:
    async with aiohttp.ClientSession() as session:
        placed = await _client(session).async_send_voice_message(
            VoiceMessage(
                numbers=["+972541234567", "0510001000"],
                prompts=[Prompt(text="שלום, זוהה עשן"), Prompt(text="במטבח.")],
                callback_url="https://home.example.com/hook",
            )
        )
    assert placed.job_id == "YA-1-0773137770-TTS-1"
    assert placed.errors == {"0510001000": "not Vaild"}
    _, params, is_json = fake_yemot.requests[-1]
    assert params["phones"] == "0541234567:0510001000"
    assert params["ttsMessage"] == "שלום, זוהה עשן במטבח."
    # Yemot's campaign hooks are undocumented: no URL is handed out for them.
    assert "callbackUrl" not in params
    assert is_json is False


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (VoiceMessage(numbers=["0541234567"], prompts=[Prompt(audio_id="1")]), "text only"),
        (
            VoiceMessage(numbers=["0541234567"], prompts=[Prompt(text="x")], keys={"1": Prompt(text="y")}),
            "no key menu",
        ),
    ],
)
async def test_unsupported_voice_messages(
    fake_yemot: fake.FakeYemot, message: VoiceMessage, reason: str
) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(RequestValidationError, match=reason):
            await _client(session).async_send_voice_message(message)


async def test_voice_code(fake_yemot: fake.FakeYemot) -> None:
    async with aiohttp.ClientSession() as session:
        client = _client(session)
        await client.async_send_voice_code(
            VoiceCode(to="+972541234567", code="4711", language="he", repeat=3)
        )
        _, params, _ = fake_yemot.requests[-1]
        # The message names the code once; Yemot plays it `repeat` times.
        assert params["ttsMessage"] == "קוד האימות שלך הוא: ארבע, שבע, אחת, אחת."
        assert params["repeatFile"] == "3"
        await client.async_send_voice_code(VoiceCode(to="+972541234567", code="4711"))
        _, params, _ = fake_yemot.requests[-1]
        assert params["repeatFile"] == "2"
        with pytest.raises(RequestValidationError, match="1 to 9 times"):
            await client.async_send_voice_code(VoiceCode(to="+972541234567", code="4711", repeat=0))
        with pytest.raises(InvalidNumberError, match="not Vaild"):
            await client.async_send_voice_code(VoiceCode(to="0510000000", code="12"))
        with pytest.raises(RequestValidationError, match="1 to 12 digits"):
            await client.async_send_voice_code(VoiceCode(to="0541234567", code="12a"))


async def test_ring_with_random_caller_id(fake_yemot: fake.FakeYemot) -> None:
    async with aiohttp.ClientSession() as session:
        campaign = await _client(session).async_ring(["+972541234567"], caller_id="RAND", seconds=8)
    assert (campaign.campaign_id, campaign.verify_code, campaign.calls) == (
        "YA-1-0773137770-Tzintuk-1",
        "123",
        1,
    )
    _, params, _ = fake_yemot.requests[-1]
    assert (params["phones"], params["callerId"], params["TzintukTimeOut"]) == ("0541234567", "RAND", "8")


async def test_sms(fake_yemot: fake.FakeYemot) -> None:
    async with aiohttp.ClientSession() as session:
        client = _client(session)
        sent = await client.async_send_sms("+972541234567", "הדלת פתוחה")
        assert sent.to == "+972541234567"
        assert sent.message_id.startswith("yemot-")
        with pytest.raises(InvalidNumberError, match="0510000000: not Vaild"):
            await client.async_send_sms("0510000000", "x")
        with pytest.raises(RequestValidationError, match="empty"):
            await client.async_send_sms("0541234567", "")
    _, params, _ = fake_yemot.requests[1]
    assert params["message"] == "הדלת פתוחה"


async def test_campaign_of_500_numbers_goes_as_json(fake_yemot: fake.FakeYemot) -> None:
    numbers = [f"+97254{index:07d}" for index in range(500)]
    async with aiohttp.ClientSession() as session:
        client = _client(session)
        campaign = await client.async_start_campaign(
            numbers, "ivr2:/1/100", caller_id="0770770770", seconds=35
        )
        assert campaign.calls == 500
        assert campaign.campaign_id == "YA-1-0770770770-Yemot-1695290243349441"
        _, body, is_json = fake_yemot.requests[-1]
        assert is_json is True
        assert body["phones"][0] == "0540000000"
        assert len(body["phones"]) == 500
        assert (body["ivrPath"], body["callsTimeOut"]) == ("ivr2:/1/100", 35)
        with pytest.raises(RequestValidationError, match="1 to 500 numbers"):
            await client.async_start_campaign([*numbers, "+972540000500"], "ivr2:/1")
        with pytest.raises(RequestValidationError, match="1 to 35 seconds"):
            await client.async_start_campaign(numbers[:1], "ivr2:/1", seconds=36)


async def test_inbox(fake_yemot: fake.FakeYemot) -> None:
    fake_yemot.inbox = [
        {
            "dest": 972773137770,
            "phone": 972549876543,
            "message": "סגור את הדלת",
            "server_date": "22:40:54 2024-07-30",
        },
        {"dest": 972773137770, "phone": 972501234567, "message": "ok", "server_date": "09:00:00 2024-07-29"},
        {"dest": 972773137770, "phone": 972501234567, "message": "bad date", "server_date": "yesterday"},
    ]
    async with aiohttp.ClientSession() as session:
        events = await _client(session).async_fetch_incoming_sms("IL")
    assert [event.message for event in events] == ["bad date", "ok", "סגור את הדלת"]
    newest = events[-1]
    assert newest.type is EventType.SMS_RECEIVED
    assert (newest.caller, newest.callee) == ("+972549876543", "+972773137770")
    assert newest.occurred_at == datetime(2024, 7, 30, 22, 40, 54, tzinfo=JERUSALEM)
    assert events[0].occurred_at is None
    _, params, _ = fake_yemot.requests[-1]
    assert params["limit"] == "100"


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("+972541234567", "0541234567"),
        ("972541234567", "0541234567"),
        ("0541234567", "0541234567"),
        ("+15551234567", "0015551234567"),
    ],
)
def test_israeli_number(number: str, expected: str) -> None:
    assert israeli_number(number) == expected


def test_spoken_code_in_english() -> None:
    assert spoken_code("90", "en-US") == "Your verification code is: nine, zero."


def test_webhook_posts_are_refused() -> None:
    with pytest.raises(PayloadError, match="no webhook posts"):
        parse_webhook(WebhookRequest(body=b"{}", received_at=datetime.now(UTC)))


@pytest.mark.usefixtures("socket_enabled")
async def test_unreachable_hides_the_password() -> None:
    async with aiohttp.ClientSession() as session:
        client = YemotClient(
            session, fake.SYSTEM_NUMBER, password="secret-pass", base_url="http://127.0.0.1:9"
        )
        with pytest.raises(ProviderConnectionError, match="the server refused the connection") as caught:
            await client.async_validate()
    assert "secret-pass" not in str(caught.value)


def _replace(
    server: fake.FakeYemot, command: str, answer: dict[str, object] | str, status: int = 200
) -> None:
    import json as _json

    from aiohttp import web

    def handler(params: dict[str, object]) -> web.Response:
        text = answer if isinstance(answer, str) else _json.dumps(answer)
        return web.Response(text=text, status=status, content_type="application/json")

    setattr(server, f"_{command}", handler)


@pytest.mark.parametrize(
    ("answer", "status", "error", "reason"),
    [
        ({"responseStatus": "OK"}, 200, ProviderError, "has no units"),
        ("<html>gateway</html>", 502, ProviderConnectionError, "HTTP 502"),
        ("<html>login page</html>", 200, ProviderError, "not JSON"),
        (
            {"responseStatus": "EXCEPTION", "exceptionMessage": "NullPointerException"},
            200,
            ProviderError,
            "NullPointer",
        ),
        ({"status": "?"}, 200, ProviderError, "without a status"),
        (
            {"responseStatus": "FORBIDDEN", "message": "no permission for this command"},
            200,
            AuthError,
            "no permission",
        ),
    ],
)
async def test_odd_answers(
    fake_yemot: fake.FakeYemot,
    answer: dict[str, object] | str,
    status: int,
    error: type[Exception],
    reason: str,
) -> None:
    _replace(fake_yemot, "GetSession", answer, status)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(error, match=reason):
            await _client(session).async_get_balance()


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ({"responseStatus": "OK", "message": "MFA_REQUIRED"}, "two-factor"),
        ({"responseStatus": "OK"}, "no token"),
        ({"responseStatus": "EXCEPTION", "message": "session token is invalid"}, "session token is invalid"),
    ],
)
async def test_login_without_a_token(
    fake_yemot: fake.FakeYemot, answer: dict[str, object], reason: str
) -> None:
    _replace(fake_yemot, "Login", answer)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(AuthError, match=reason):
            await _client(session).async_validate()


@pytest.mark.parametrize("status", ["ERROR", "FORBIDDEN"])
async def test_two_factor_login_asked_by_a_command_is_a_refusal(
    fake_yemot: fake.FakeYemot, status: str
) -> None:
    """A command answered MFA_REQUIRED needs the user (a token), not a new login."""
    async with aiohttp.ClientSession() as session:
        client = _client(session)
        await client.async_validate()
        _replace(fake_yemot, "GetSession", {"responseStatus": status, "message": "MFA_REQUIRED"})
        with pytest.raises(AuthError, match="two-factor"):
            await client.async_validate()
    assert fake_yemot.logins == 1


async def test_an_error_that_does_not_name_the_token_is_not_an_expiry(fake_yemot: fake.FakeYemot) -> None:
    async with aiohttp.ClientSession() as session:
        client = _client(session)
        await client.async_validate()
        _replace(fake_yemot, "GetSession", {"responseStatus": "ERROR", "message": "system is blocked"})
        with pytest.raises(ProviderError, match="system is blocked") as caught:
            await client.async_validate()
    assert not isinstance(caught.value, AuthError)
    assert fake_yemot.logins == 1


async def test_renewal_that_fails_again(fake_yemot: fake.FakeYemot) -> None:
    async with aiohttp.ClientSession() as session:
        client = _client(session)
        await client.async_validate()
        fake_yemot.expire_sessions()
        _replace(
            fake_yemot,
            "GetSession",
            {"responseStatus": "EXCEPTION", "message": "IllegalStateException(session token is invalid)"},
        )
        with pytest.raises(AuthError, match="the new session token was refused"):
            await client.async_validate()


async def test_inbox_without_rows_and_sms_sender(fake_yemot: fake.FakeYemot) -> None:
    _replace(fake_yemot, "GetSmsIncomingLog", {"responseStatus": "OK", "rows": None})
    async with aiohttp.ClientSession() as session:
        client = _client(session)
        assert await client.async_fetch_incoming_sms() == []
        await client.async_send_sms("0549876543", "x", SmsOptions(sender_id="Home"))
    _, params, _ = fake_yemot.requests[-1]
    assert params["from"] == "Home"


@pytest.mark.parametrize(
    "options", [SmsOptions(iys_filter=IysFilter.MERCHANT), SmsOptions(otp=True)], ids=["iys", "otp"]
)
async def test_sms_options_of_turkish_providers_are_refused(
    fake_yemot: fake.FakeYemot, options: SmsOptions
) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(RequestValidationError, match="there is no"):
            await _client(session).async_send_sms("0549876543", "x", options)
    assert not [command for command, _, _ in fake_yemot.requests if command == "SendSms"]


async def test_an_inbox_answer_that_is_no_refusal_keeps_the_newer_command(fake_yemot: fake.FakeYemot) -> None:
    """Only Yemot's own refusal of GetIncomingSms switches to the older command."""
    _replace(fake_yemot, "GetIncomingSms", "<html>busy</html>", 502)
    async with aiohttp.ClientSession() as session:
        client = _client(session)
        with pytest.raises(ProviderConnectionError):
            await client.async_fetch_incoming_sms()
        del fake_yemot._GetIncomingSms
        await client.async_fetch_incoming_sms()
    assert [command for command, _, _ in fake_yemot.requests if "Sms" in command] == [
        "GetIncomingSms",
        "GetIncomingSms",
    ]


async def test_a_word_that_only_starts_like_token_is_no_expiry(fake_yemot: fake.FakeYemot) -> None:
    async with aiohttp.ClientSession() as session:
        client = _client(session)
        await client.async_validate()
        _replace(fake_yemot, "GetSession", {"responseStatus": "ERROR", "message": "Tokenization failed"})
        with pytest.raises(ProviderError, match="Tokenization failed") as caught:
            await client.async_validate()
    assert not isinstance(caught.value, AuthError)
    assert fake_yemot.logins == 1


@pytest.mark.parametrize(
    ("written", "kept", "sent"),
    [
        ("2", "2", "ivr2:/2"),
        (" /1/3/ ", "1/3", "ivr2:/1/3"),
        ("ivr2:/5", "5", "ivr2:/5"),
        ("IVR2:1//3", "1/3", "ivr2:/1/3"),
        ("/", "", "ivr2:/"),
    ],
)
def test_folder_paths(written: str, kept: str, sent: str) -> None:
    assert canonical_path(written) == kept
    assert ivr_path(written) == sent


async def test_a_queue_with_other_spellings_and_unknown_fields(fake_yemot: fake.FakeYemot) -> None:
    """Lower-case names, flags as text, fields nobody knows, a member without a name: all tolerated."""
    fake_yemot.queues["ivr2:/2"] = {
        "entries": [
            {"phone": "0527654321", "wait": "30", "position": "2", "callId": "b", "Channel": "SIP/x"},
            {"Phone": "0537654321", "Wait": 95, "Position": 1, "CallId": "a"},
        ],
        "members": [{"Agent": "201", "paused": "1", "Status": 2, "Interface": "SIP/201"}, {"Status": "1"}],
    }
    async with aiohttp.ClientSession() as session:
        queue = await _client(session).async_get_queue("2")
    assert [(caller.call_id, caller.number, caller.wait) for caller in queue.callers] == [
        ("a", "0537654321", 95),
        ("b", "0527654321", 30),
    ]
    assert [(agent.name, agent.paused, agent.status) for agent in queue.agents] == [("201", True, "2")]
    assert (queue.completed, queue.abandoned) == (12, 3)


async def test_a_folder_without_messages_and_a_file_without_details(fake_yemot: fake.FakeYemot) -> None:
    fake_yemot.folders["ivr2:/5"] = []
    async with aiohttp.ClientSession() as session:
        client = _client(session)
        empty = await client.async_get_message_folder("5")
        fake_yemot.folders["ivr2:/5"] = [{"exists": True, "name": "003.wav", "duration": 1.5}]
        bare = await client.async_get_message_folder("5")
    assert (empty.messages, empty.newest) == (0, None)
    newest = bare.newest
    assert newest is not None
    # No durationStr: the seed's minutes; no date: no time; the path built from the folder.
    assert (newest.duration, newest.received_at, newest.path, newest.caller) == (90, None, "5/003.wav", None)
    assert newest.identity == "003.wav@"


async def test_a_file_time_in_israel(fake_yemot: fake.FakeYemot) -> None:
    fake_yemot.folders["ivr2:/5"] = [fake.recording(0, "0527654321", "15/07/2026 18:30")]
    async with aiohttp.ClientSession() as session:
        folder = await _client(session).async_get_message_folder("5")
    assert folder.newest is not None
    # Summer time, +03:00.
    assert folder.newest.received_at == datetime(2026, 7, 15, 15, 30, tzinfo=UTC)
    assert folder.newest.received_at.tzinfo == JERUSALEM


async def test_a_download_refused_as_an_expired_session_logs_in_again(fake_yemot: fake.FakeYemot) -> None:
    fake_yemot.recordings["ivr2:/5/000.wav"] = b"RIFF"
    async with aiohttp.ClientSession() as session:
        client = _client(session)
        await client.async_get_balance()
        fake_yemot.expire_sessions()
        download = await client.async_download_message("5/000.wav")
    assert download.content == b"RIFF"
    assert fake_yemot.logins == 2


async def test_a_download_that_is_no_recording(
    fake_yemot: fake.FakeYemot, monkeypatch: pytest.MonkeyPatch
) -> None:
    def html(self: fake.FakeYemot, params: dict[str, object]) -> web.Response:
        return web.Response(text="<html>login</html>", content_type="text/html")

    monkeypatch.setattr(fake.FakeYemot, "_DownloadFile", html)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(ProviderError, match="text/html instead of a recording"):
            await _client(session).async_download_message("5/000.wav")


async def test_pirsumphone_refused_is_no_service(fake_yemot: fake.FakeYemot) -> None:
    fake_yemot.pirsum_registered = None
    async with aiohttp.ClientSession() as session:
        with pytest.raises(FeatureUnavailableError, match="PirsumPhone is not available"):
            await _client(session).async_get_directory_listing()
