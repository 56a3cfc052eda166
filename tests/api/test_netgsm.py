"""Netgsm: the XML of each send variant, every result code, the webhook and the report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import json

import aiohttp
import pytest

from custom_components.cloud_telephony.api import (
    AuthError,
    Balance,
    EventType,
    InvalidNumberError,
    IysFilter,
    PayloadError,
    Prompt,
    ProviderConnectionError,
    ProviderError,
    RateLimitedError,
    RequestValidationError,
    VoiceCode,
    VoiceMessage,
    WebhookRequest,
    netgsm as netgsm_api,
)
from custom_components.cloud_telephony.api.netgsm import (
    ISTANBUL,
    NetgsmClient,
    build_voice_xml,
    national_number,
    parse_webhook,
    spoken_digits,
)
from tests.conftest import fixture_bytes
from tests.fakes import netgsm as fake

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?><mainbody><header>'
    "<usercode>8500000000</usercode><password>valid-password</password>"
    "<startdate></startdate><starttime></starttime><stopdate></stopdate><stoptime></stoptime>"
)


def _client(session: aiohttp.ClientSession, url: str, password: str = fake.PASSWORD) -> NetgsmClient:
    return NetgsmClient(session, fake.USERCODE, password, base_url=url)


# ---- XML -------------------------------------------------------------------------------------


def test_simple_text_message() -> None:
    message = VoiceMessage(numbers=["+905320000000"], prompts=[Prompt(text="Merhaba")])
    assert build_voice_xml(message, fake.USERCODE, fake.PASSWORD) == (
        HEADER + "<key>0</key><ringtime>30</ringtime></header>"
        "<body><text>Merhaba</text><no>5320000000</no></body></mainbody>"
    )


def test_simple_message_with_key_menu_turkish_and_escaping() -> None:
    message = VoiceMessage(
        numbers=["+905320000000", "05321112233"],
        prompts=[Prompt(text="Yangın alarmı! Mutfak & salon <duman>. Onay için 1'e basın.")],
        keys={"2": Prompt(audio_id="55156219"), "1": Prompt(text="Teşekkürler, çıkış onaylandı.")},
        ring_time=20,
        callback_url="https://home.example.com/api/webhook/abc?x=1&y=2",
    )
    assert build_voice_xml(message, fake.USERCODE, fake.PASSWORD) == (
        HEADER + "<key>1</key><ringtime>20</ringtime>"
        "<url>https://home.example.com/api/webhook/abc?x=1&amp;y=2</url></header><body>"
        "<text>Yangın alarmı! Mutfak &amp; salon &lt;duman&gt;. Onay için 1'e basın.</text>"
        "<no>5320000000</no><no>5321112233</no>"
        "<keys><keydetail><keyinfo>1</keyinfo><text>Teşekkürler, çıkış onaylandı.</text></keydetail></keys>"
        "<keys><keydetail><keyinfo>2</keyinfo><audioid>55156219</audioid></keydetail></keys>"
        "</body></mainbody>"
    )


def test_simple_audio_message_scheduled_with_filter_and_relation() -> None:
    start = datetime(2026, 2, 6, 13, 6, tzinfo=UTC)  # 16:06 in Istanbul
    message = VoiceMessage(
        numbers=["5530000000"],
        prompts=[Prompt(audio_id="54325324")],
        start=start,
        end=start + timedelta(hours=2, minutes=24),
        iys_filter=IysFilter.INDIVIDUAL,
        relation_id="1234567",
    )
    assert build_voice_xml(message, fake.USERCODE, fake.PASSWORD) == (
        '<?xml version="1.0" encoding="UTF-8"?><mainbody><header>'
        "<usercode>8500000000</usercode><password>valid-password</password>"
        "<startdate>06022026</startdate><starttime>1606</starttime>"
        "<stopdate>06022026</stopdate><stoptime>1830</stoptime>"
        "<key>0</key><ringtime>30</ringtime><filter>11</filter><relationid>1234567</relationid></header>"
        "<body><audioid>54325324</audioid><no>5530000000</no></body></mainbody>"
    )


def test_dynamic_message() -> None:
    message = VoiceMessage(
        numbers=["+905530000000"],
        prompts=[Prompt(text="Text 1"), Prompt(audio_id="55183930"), Prompt(text="Şimdi & sonra")],
        keys={"1": Prompt(text="Tamam")},
    )
    assert build_voice_xml(message, fake.USERCODE, fake.PASSWORD) == (
        HEADER + "<key>1</key><ringtime>30</ringtime></header><body><voicemail><scenario>"
        "<series s='1'><text>Text 1</text></series><series s='2'><audioid>55183930</audioid></series>"
        "<series s='3'><text>Şimdi &amp; sonra</text></series>"
        "<number><no>5530000000</no></number>"
        "<keys><keydetail><keyinfo>1</keyinfo><text>Tamam</text></keydetail></keys>"
        "</scenario></voicemail></body></mainbody>"
    )


def test_credentials_are_escaped() -> None:
    message = VoiceMessage(numbers=["5530000000"], prompts=[Prompt(text="x")])
    assert "<password>a&lt;b&amp;c</password>" in build_voice_xml(message, "u", "a<b&c")


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"numbers": []}, "no phone number"),
        ({"prompts": []}, "nothing to say"),
        ({"ring_time": 9}, "10 to 30 seconds"),
        ({"ring_time": 31}, "10 to 30 seconds"),
        ({"keys": {"10": Prompt(text="x")}}, "not a digit"),
        ({"keys": {"a": Prompt(text="x")}}, "not a digit"),
        ({"iys_filter": "13"}, "İYS filter"),
        ({"start": datetime(2026, 1, 1, tzinfo=UTC)}, "both the start and the end"),
        (
            {"start": datetime(2026, 1, 1, tzinfo=UTC), "end": datetime(2026, 1, 1, 0, 59, tzinfo=UTC)},
            "1 and 21 hours",
        ),
        (
            {"start": datetime(2026, 1, 1, tzinfo=UTC), "end": datetime(2026, 1, 1, 21, 1, tzinfo=UTC)},
            "1 and 21 hours",
        ),
    ],
)
def test_invalid_messages_are_refused_before_sending(changes: dict[str, object], reason: str) -> None:
    fields: dict[str, object] = {"numbers": ["5530000000"], "prompts": [Prompt(text="x")], **changes}
    with pytest.raises(RequestValidationError, match=reason):
        build_voice_xml(VoiceMessage(**fields), "u", "p")  # type: ignore[arg-type]


def test_windows_of_exactly_1_and_21_hours_are_fine() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for hours in (1, 21):
        message = VoiceMessage(
            numbers=["5530000000"],
            prompts=[Prompt(text="x")],
            start=start,
            end=start + timedelta(hours=hours),
        )
        assert "<startdate>01012026</startdate>" in build_voice_xml(message, "u", "p")


@pytest.mark.parametrize("prompt", [{"text": "a", "audio_id": "1"}, {}, {"text": "  "}])
def test_prompt_needs_exactly_one_content(prompt: dict[str, str]) -> None:
    with pytest.raises(RequestValidationError):
        Prompt(**prompt)


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("+905320000000", "5320000000"),
        ("905320000000", "5320000000"),
        ("05320000000", "5320000000"),
        ("0212 123 45 67", "2121234567"),
        ("5320000000", "5320000000"),
        ("+4915112345678", "004915112345678"),
    ],
)
def test_national_number(number: str, expected: str) -> None:
    assert national_number(number) == expected


def test_spoken_digits() -> None:
    assert (
        spoken_digits("4711", "tr")
        == "Doğrulama kodunuz: dört, yedi, bir, bir. Tekrar ediyorum: dört, yedi, bir, bir."
    )
    assert spoken_digits("09", "en") == "Your verification code is: zero, nine. Again: zero, nine."
    assert spoken_digits("1", "de").startswith("Your verification code is: one.")


# ---- client ----------------------------------------------------------------------------------


async def test_balance(fake_netgsm: tuple[fake.FakeNetgsm, str]) -> None:
    _, url = fake_netgsm
    async with aiohttp.ClientSession() as session:
        assert await _client(session, url).async_validate() == Balance(amount=34.02, unit="TRY")
        with pytest.raises(AuthError, match="code 30"):
            await _client(session, url, "wrong").async_get_balance()
    server, _ = fake_netgsm
    server.balance_plain_codes = True
    async with aiohttp.ClientSession() as session:
        with pytest.raises(AuthError, match="code 30"):
            await _client(session, url, "wrong").async_get_balance()


@pytest.mark.parametrize(
    ("value", "amount"), [("34,020", 34.02), ("1.234,56", 1234.56), ("34.02", 34.02), (12, 12.0), ("x", None)]
)
def test_balance_amounts(value: object, amount: float | None) -> None:
    assert netgsm_api._amount(value) == amount


async def test_send_returns_the_job_id(fake_netgsm: tuple[fake.FakeNetgsm, str]) -> None:
    server, url = fake_netgsm
    async with aiohttp.ClientSession() as session:
        client = _client(session, url)
        job = await client.async_send_voice_message(
            VoiceMessage(numbers=["5530000000"], prompts=[Prompt(text="Merhaba")])
        )
        assert job.job_id == str(fake.FIRST_JOB_ID)
        # 01 and 02: Netgsm replaced a wrong start or stop time with its own and started the job.
        for code in ("01", "02"):
            server.send_reply = f"{code} 175999999"
            placed = await client.async_send_voice_message(
                VoiceMessage(numbers=["5530000000"], prompts=[Prompt(text="x")])
            )
            assert placed.job_id == "175999999"
    assert server.sent_xml[0].endswith("<body><text>Merhaba</text><no>5530000000</no></body></mainbody>")


@pytest.mark.parametrize(
    ("message", "password", "reply", "error", "reason"),
    [
        (
            VoiceMessage(numbers=["5530000000"], prompts=[Prompt(text="x")]),
            "wrong",
            None,
            AuthError,
            "code 30",
        ),
        (
            VoiceMessage(numbers=["5530000000"], prompts=[Prompt(audio_id=fake.UNKNOWN_AUDIO_ID)]),
            fake.PASSWORD,
            None,
            ProviderError,
            "code 40",
        ),
        (
            VoiceMessage(numbers=["5530000000"], prompts=[Prompt(text="x")]),
            fake.PASSWORD,
            "45",
            InvalidNumberError,
            "code 45",
        ),
        (
            VoiceMessage(numbers=["5530000000"], prompts=[Prompt(text="x")]),
            fake.PASSWORD,
            "70",
            ProviderError,
            "code 70",
        ),
        (
            VoiceMessage(numbers=["5530000000"], prompts=[Prompt(text="x")]),
            fake.PASSWORD,
            "00",
            ProviderError,
            "unknown result",
        ),
        (
            VoiceMessage(numbers=["5530000000"], prompts=[Prompt(text="x")]),
            fake.PASSWORD,
            "<html>",
            ProviderError,
            "unknown result",
        ),
    ],
)
async def test_send_errors(
    fake_netgsm: tuple[fake.FakeNetgsm, str],
    message: VoiceMessage,
    password: str,
    reply: str | None,
    error: type[Exception],
    reason: str,
) -> None:
    server, url = fake_netgsm
    server.send_reply = reply
    async with aiohttp.ClientSession() as session:
        with pytest.raises(error, match=reason):
            await _client(session, url, password).async_send_voice_message(message)


async def test_voice_code(fake_netgsm: tuple[fake.FakeNetgsm, str]) -> None:
    server, url = fake_netgsm
    async with aiohttp.ClientSession() as session:
        client = _client(session, url)
        await client.async_send_voice_code(
            VoiceCode(to="+905530000000", code="4711", language="tr", callback_url="https://h/x")
        )
        with pytest.raises(RequestValidationError, match="1 to 12 digits"):
            await client.async_send_voice_code(VoiceCode(to="+905530000000", code="47a1"))
    assert (
        "<text>Doğrulama kodunuz: dört, yedi, bir, bir. Tekrar ediyorum: dört, yedi, bir, bir.</text>"
        in server.sent_xml[0]
    )
    assert "<url>https://h/x</url>" in server.sent_xml[0]


async def test_cancel(fake_netgsm: tuple[fake.FakeNetgsm, str]) -> None:
    server, url = fake_netgsm
    server.scheduled.add("175000001")
    async with aiohttp.ClientSession() as session:
        client = _client(session, url)
        await client.async_cancel_voice_message("175000001")
        with pytest.raises(ProviderError, match="no scheduled job") as caught:
            await client.async_cancel_voice_message("175000001")
        assert caught.value.code == "40"
        with pytest.raises(AuthError):
            await _client(session, url, "wrong").async_cancel_voice_message("1")


async def test_report(fake_netgsm: tuple[fake.FakeNetgsm, str]) -> None:
    server, url = fake_netgsm
    server.report_rows = {
        "175343083": [
            "175343083 5320000000 1 1",
            "175343083 5321112233 2",
            "175343083 5324445566 0",
            "175343083 5327778899 7 -",
            "175343083 5320001111 42",
        ],
        "175343084": ["175343084 5530000000 8"],
    }
    async with aiohttp.ClientSession() as session:
        client = _client(session, url)
        events = await client.async_poll_results(["175343083", "175343084"], "TR")
        assert [(e.callee, e.status, e.key_pressed) for e in events] == [
            ("+905320000000", "answered", "1"),
            ("+905321112233", "not_answered", None),
            ("+905327778899", "busy", None),
            ("+905530000000", "invalid_number", None),
        ]
        assert events[0].dedupe_key == "175343083:+905320000000:1"
        assert events[0].type is EventType.CALL_STATUS
        assert server.report_queries[0]["type"] == "1"
        assert server.report_queries[0]["bulkid"] == "175343083,175343084"
        assert await client.async_poll_results(["1"]) == []  # code 60: nothing yet
        assert server.report_queries[1]["type"] == "0"
        server.report_limit = 2
        with pytest.raises(RateLimitedError, match="two report queries per minute"):
            await client.async_poll_results(["1"])
        with pytest.raises(AuthError):
            await _client(session, url, "wrong").async_poll_results(["1"])


@pytest.mark.parametrize(("code", "reason"), [("70", "code 70"), ("100", "code 100")])
async def test_report_errors(
    fake_netgsm: tuple[fake.FakeNetgsm, str], monkeypatch: pytest.MonkeyPatch, code: str, reason: str
) -> None:
    _, url = fake_netgsm

    async def answer(self: NetgsmClient, method: str, path: str, **kwargs: object) -> str:
        return code

    monkeypatch.setattr(NetgsmClient, "_request", answer)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(ProviderError, match=reason):
            await _client(session, url).async_poll_results(["1"])


async def test_upload(fake_netgsm: tuple[fake.FakeNetgsm, str]) -> None:
    server, url = fake_netgsm
    async with aiohttp.ClientSession() as session:
        client = _client(session, url)
        assert await client.async_upload_audio("alarm.WAV", b"RIFF....WAVE") == "55901234"
        with pytest.raises(RequestValidationError, match=r"not \.ogg"):
            await client.async_upload_audio("alarm.ogg", b"x")
        with pytest.raises(RequestValidationError, match="at most 4 MB"):
            await client.async_upload_audio("alarm.mp3", b"x" * (4 * 1024 * 1024 + 1))
        with pytest.raises(AuthError):
            await _client(session, url, "wrong").async_upload_audio("alarm.wav", b"x")
    assert server.uploads == [{"filename": "alarm.WAV", "content": b"RIFF....WAVE"}]


@pytest.mark.parametrize(
    ("code", "reason"), [("10", "did not receive"), ("20", "file type"), ("40", "larger than 4 MB")]
)
async def test_upload_errors(
    fake_netgsm: tuple[fake.FakeNetgsm, str], monkeypatch: pytest.MonkeyPatch, code: str, reason: str
) -> None:
    _, url = fake_netgsm

    async def answer(self: NetgsmClient, method: str, path: str, **kwargs: object) -> str:
        return code

    monkeypatch.setattr(NetgsmClient, "_request", answer)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(ProviderError, match=reason) as caught:
            await _client(session, url).async_upload_audio("a.wav", b"x")
    assert caught.value.code == code


async def test_list_audio(fake_netgsm: tuple[fake.FakeNetgsm, str]) -> None:
    server, url = fake_netgsm
    end = datetime(2023, 1, 27, 12, tzinfo=UTC)
    async with aiohttp.ClientSession() as session:
        client = _client(session, url)
        files = await client.async_list_audio(end - timedelta(days=1), end)
        assert [(file.audio_id, file.duration) for file in files] == [("55201234", 174), ("55258936", 174)]
        assert files[0].uploaded_at == datetime(2023, 1, 26, 15, 3, tzinfo=ISTANBUL)
        assert files[0].url.startswith("http://sesdosya.netgsm.com.tr/")
        server.audio_list = ""
        assert await client.async_list_audio(end - timedelta(days=1), end) == []
        with pytest.raises(RequestValidationError, match="30 days"):
            await client.async_list_audio(end - timedelta(days=31), end)
        with pytest.raises(RequestValidationError, match="30 days"):
            await client.async_list_audio(end, end)


@pytest.mark.parametrize(
    ("code", "reason"), [("50", "date format"), ("60", "30 days"), ("70", "code 70"), ("30", "code 30")]
)
async def test_list_errors(
    fake_netgsm: tuple[fake.FakeNetgsm, str], monkeypatch: pytest.MonkeyPatch, code: str, reason: str
) -> None:
    _, url = fake_netgsm

    async def answer(self: NetgsmClient, method: str, path: str, **kwargs: object) -> str:
        return code

    monkeypatch.setattr(NetgsmClient, "_request", answer)
    end = datetime(2023, 1, 27, tzinfo=UTC)
    async with aiohttp.ClientSession() as session:
        with pytest.raises((ProviderError, AuthError), match=reason):
            await _client(session, url).async_list_audio(end - timedelta(days=1), end)


@pytest.mark.parametrize(
    ("status", "error", "reason"),
    [(500, ProviderConnectionError, "HTTP 500"), (404, ProviderError, "HTTP 404")],
)
async def test_http_errors(status: int, error: type[Exception], reason: str, socket_enabled: None) -> None:
    app = aiohttp.web.Application()

    async def fail(request: aiohttp.web.Request) -> aiohttp.web.Response:
        return aiohttp.web.Response(status=status, text="x")

    app.router.add_post("/balance", fail)
    server = aiohttp.test_utils.TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(error, match=reason):
                await _client(session, str(server.make_url("")).rstrip("/")).async_get_balance()
    finally:
        await server.close()


@pytest.mark.usefixtures("socket_enabled")
async def test_unreachable_hides_the_password() -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(ProviderConnectionError, match="the server refused the connection") as caught:
            await _client(session, "http://127.0.0.1:9").async_cancel_voice_message("1")
    assert fake.PASSWORD not in str(caught.value)


# ---- webhook ---------------------------------------------------------------------------------


def _webhook(body: bytes) -> list:  # type: ignore[type-arg]
    return parse_webhook(
        WebhookRequest(body=body, content_type="application/json", region="TR", received_at=datetime.now(UTC))
    )


def test_documented_webhook() -> None:
    [event] = _webhook(fixture_bytes("netgsm/seed_webhook.json"))
    assert event.type is EventType.CALL_STATUS
    assert event.call_id == "18009123"
    assert event.callee == "+905530000000"
    assert event.status == "busy"
    # Nobody answered: the seed's push_button is no key outcome (kept in raw).
    assert event.key_pressed is None
    assert event.extra["key_result"] is None
    assert event.raw["detail"]["push_button"] == "12"
    assert event.extra["relation_id"] == "0"
    assert event.extra["callee_name"] == "isim"
    assert event.extra["recording_url"] == "htps://...."
    assert event.extra["final"] is True
    assert event.occurred_at == datetime(2023, 2, 22, 15, 50, 9, 526000, tzinfo=ISTANBUL)
    assert event.extra["started_at"] == "2023-02-22T15:50:09.526000+03:00"
    assert event.dedupe_key == "18009123:+905530000000:7"


def test_documented_webhook_with_masked_digits_is_refused() -> None:
    with pytest.raises(PayloadError, match="not valid JSON"):
        _webhook(fixture_bytes("netgsm/seed_webhook_masked.json"))


@pytest.mark.parametrize("state", [2, 3, 7])
@pytest.mark.parametrize("push_button", [None, "-1", "4"])
def test_unanswered_call_with_a_key_menu_has_no_key_result(state: int, push_button: str | None) -> None:
    """Nobody listened, so nobody pressed a key or left before the key prompt."""
    body = {
        "bulkid": 1,
        "callee": "5530000000",
        "state": state,
        "type": 3,
        "detail": {"push_button": push_button},
    }
    [event] = _webhook(json.dumps(body).encode())
    assert event.extra["key_result"] is None
    assert event.key_pressed is None


def test_a_state_we_do_not_know_is_taken_without_an_event() -> None:
    assert _webhook(b'{"bulkid": 1, "callee": "5530000000", "state": 42}') == []


@pytest.mark.parametrize(
    ("state", "status"), [(1, "answered"), ("2", "not_answered"), (3, "unreachable"), (7, "busy")]
)
def test_states(state: int | str, status: str) -> None:
    body = {"bulkid": 1, "callee": "5530000000", "state": state, "type": 1}
    [event] = _webhook(json.dumps(body).encode())
    assert event.status == status
    assert event.extra["key_result"] is None
    assert event.key_pressed is None


@pytest.mark.parametrize(
    ("detail", "key_pressed", "key_result"),
    [
        ({"push_button": "1"}, "1", "pressed"),
        ({"push_button": -1}, None, "no_key_in_time"),
        ({"push_button": None}, None, "hung_up_before_prompt"),
        ({}, None, "hung_up_before_prompt"),
    ],
)
def test_key_press_outcomes(detail: dict[str, object], key_pressed: str | None, key_result: str) -> None:
    """`push_button` of an answered call with a key menu (type 3)."""
    body = {
        "bulkid": 1,
        "callee": "5530000000",
        "state": 1,
        "type": 3,
        "bilsec": "14",
        "answer_time": "2023-02-22 15:50:12.1",
        "hangup_time": "2023-02-22 15:50:26",
        "detail": detail,
    }
    [event] = _webhook(json.dumps(body).encode())
    assert (event.key_pressed, event.extra["key_result"]) == (key_pressed, key_result)
    assert event.duration == 14
    assert event.occurred_at == datetime(2023, 2, 22, 15, 50, 26, tzinfo=ISTANBUL)
    assert event.extra["answered_at"] == "2023-02-22T15:50:12.100000+03:00"
    assert event.extra["started_at"] is None


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"callee": "5530000000", "state": 1}', "bulkid is missing"),
        (b'{"bulkid": 1, "callee": "5530000000"}', "state is missing"),
        (b'{"bulkid": 1, "callee": "5530000000", "state": "busy"}', "state is missing"),
        (b"[]", "expected an object"),
    ],
)
def test_malformed_webhooks(body: bytes, reason: str) -> None:
    with pytest.raises(PayloadError, match=reason):
        _webhook(body)


def test_times_that_do_not_parse_are_ignored() -> None:
    body = b'{"bulkid": 1, "callee": "5530000000", "state": 2, "start_time": "yesterday"}'
    [event] = _webhook(body)
    assert event.occurred_at is None
