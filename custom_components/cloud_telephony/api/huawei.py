"""Huawei Cloud Voice Call: voice verification codes (callVerify), call status and billing pushes."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from functools import lru_cache
import hashlib
import hmac
import json
import re
from typing import Any, Final
from urllib.parse import urljoin, urlparse
import uuid

import aiohttp

from .models import (
    AuthError,
    CallStatus,
    Direction,
    Download,
    EventType,
    FeatureUnavailableError,
    InsufficientBalanceError,
    InvalidNumberError,
    MediaKind,
    MediaRef,
    PayloadError,
    PlacedCalls,
    ProviderConnectionError,
    ProviderError,
    PushSignature,
    RateLimitedError,
    RequestValidationError,
    TelephonyEvent,
    VoiceCode,
    VoiceMessage,
    WebhookRequest,
)
from .payload import (
    JsonValue,
    as_items,
    as_object,
    decode_body,
    int_or_none,
    is_ascii_number,
    json_answer,
    text_or_none,
)
from .samples import clock_mover, documented_sample, new_digits
from .spec import MEDIA, SETTING_BASE_URL, VOICE_CODE, VOICE_MESSAGE, Field, FieldKind, ProviderSpec
from .transport import Transport, as_download

PROVIDER: Final = "huawei"
DEFAULT_BASE_URL: Final = "https://rtccall.cn-north-1.myhuaweicloud.cn:443"
CALL_VERIFY_PATH: Final = "/rest/httpsessions/callVerify/v1.0"
CALL_STOP_PATH: Final = "/rest/httpsessions/callStop/v2.0"
CALL_NOTIFY_PATH: Final = "/rest/httpsessions/callnotify/v2.0"
MAX_NOTIFY_PARTS: Final = 5
MAX_TEMPLATE_VARIABLE: Final = 32
REQUEST_TIMEOUT: Final = 20
AUTHORIZATION: Final = 'AKSK realm="SDP",profile="UsernameToken",type="Appkey"'
CHINESE: Final = 2
"""The only `languageType` Huawei documents."""

# Result codes (rtc_04_0030): the authentication family, flow control, the clock check, and an
# account that cannot call (arrears, application or number unusable).
_AUTH_CODES: Final = frozenset(
    {"1010003", "1010008", "1020150", *(str(code) for code in range(1023006, 1023012)), "1023034", "1023035"}
)
_RATE_CODES: Final = frozenset({"1010010", "1020165"})
_CLOCK_CODE: Final = "1010013"
_ARREARS_CODE: Final = "1010007"
_UNUSABLE_CODES: Final = frozenset({_ARREARS_CODE, "1010011", "1010021", "1012006"})
# Huawei's documents disagree on `Created`: UTC, or Beijing time (UTC+8) written with a Z. UTC is
# sent first; a time refusal is retried once with the other reading, which is then kept.
_CREATED_OFFSETS: Final = (timedelta(0), timedelta(hours=8))
# How far a signed push's `Created` may lie from its arrival (clocks drift; replays come later).
SIGNATURE_WINDOW: Final = timedelta(minutes=15)
_E164: Final = re.compile(r"^\+[1-9]\d{6,14}$")

_PROGRESS: Final = {
    "callout": CallStatus.DIALING,
    "alerting": CallStatus.RINGING,
    "answer": CallStatus.ANSWERED,
}
# disconnect's stateCode, grouped by what the user can do about it (rtc_05_0022_1).
_DISCONNECT: Final = {
    0: CallStatus.COMPLETED,
    8003: CallStatus.NOT_ANSWERED,
    8004: CallStatus.NOT_ANSWERED,
    8101: CallStatus.NOT_ANSWERED,
    8102: CallStatus.BUSY,
    8002: CallStatus.UNREACHABLE,
    8103: CallStatus.UNREACHABLE,
    8104: CallStatus.UNREACHABLE,
    8105: CallStatus.UNREACHABLE,
    8100: CallStatus.INVALID_NUMBER,
}

EVENT_TYPES: Final = frozenset({EventType.CALL_STATUS, EventType.CALL_RECORD, EventType.MEDIA_SAVED})
RECORD_PATH: Final = "/rest/provision/voice/record/v1.0"
# Where recordings are stored: Huawei Cloud's own domains (object storage included).
RECORDING_HOSTS: Final = ("myhuaweicloud.com", "huaweicloud.com", "myhuaweicloud.cn")
MAX_RECORDING_BYTES: Final = 50 * 1024 * 1024


def password_digest(app_secret: str, message: str) -> str:
    """Return Base64(HMAC-SHA256(app secret, message)), Huawei's PasswordDigest."""
    return base64.b64encode(hmac.new(app_secret.encode(), message.encode(), hashlib.sha256).digest()).decode()


def aksk_headers(app_key: str, app_secret: str, nonce: str, created: str) -> dict[str, str]:
    """Return the `Authorization` and `X-AKSK` headers exactly as Huawei documents them."""
    digest = password_digest(app_secret, nonce + created)
    return {
        "Authorization": AUTHORIZATION,
        "X-AKSK": (
            f'UsernameToken Username="{app_key}",PasswordDigest="{digest}",'
            f'Nonce="{nonce}",Created="{created}"'
        ),
    }


def parse_aksk(header: str) -> dict[str, str]:
    """Read the fields of an X-AKSK header (with or without spaces after the commas)."""
    _, _, fields = header.partition("UsernameToken")
    return dict(re.findall(r'(\w+)="([^"]*)"', fields))


class HuaweiClient:
    """Huawei Voice Call REST API with an app key and secret; the session is injected."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        app_key: str,
        app_secret: str,
        *,
        display_number: str,
        pre_tone: str,
        post_tone: str | None = None,
        language_type: int = CHINESE,
        base_url: str = DEFAULT_BASE_URL,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """Keep the credentials and the application's call settings; nothing is sent yet."""
        self._api = Transport(session, brand="Huawei", api_url=base_url, timeout=REQUEST_TIMEOUT)
        self._app_key = app_key
        self._app_secret = app_secret
        self._display_number = display_number
        self._pre_tone = pre_tone
        self._post_tone = post_tone
        self._language_type = language_type
        self._clock = clock or (lambda: datetime.now(UTC))
        self._created_offset = _CREATED_OFFSETS[0]

    async def async_validate(self) -> None:
        """Check what can be checked without placing a call.

        The settings are checked locally; the credentials by asking Huawei to stop a call that does
        not exist: a refused app key or digest comes back as an authentication error, anything else
        means Huawei accepted them. Nothing is dialled.
        """
        check_settings(self._api.base_url, self._display_number, self._pre_tone)
        try:
            await self._post(CALL_STOP_PATH, {"signal": "call_stop", "sessionid": "0"})
        except (AuthError, ProviderConnectionError, RateLimitedError, InsufficientBalanceError):
            raise
        except ProviderError as err:
            if err.code is None or err.code in _UNUSABLE_CODES or err.code == _CLOCK_CODE:
                # Not Huawei's own answer (a wrong address), or an account that cannot call.
                raise
            # The expected answer: no such session. The credentials passed.

    async def async_send_voice_code(self, request: VoiceCode) -> PlacedCalls:
        """Call the number and read the code after the pre-tone; return Huawei's session id.

        The spoken language is the account's `languageType` unless Chinese is asked for.
        """
        code, repeat = request.code, request.repeat
        if not is_ascii_number(code) or not 2 <= len(code) <= 8:
            raise RequestValidationError(
                "the code must be {min} to {max} digits", key="code_digits", placeholders={"min": 2, "max": 8}
            )
        if repeat is not None and not 0 <= repeat <= 9:
            raise RequestValidationError(
                "a code is repeated 0 to {max} times (0: until hung up)",
                key="code_repeat_until_hung_up",
                placeholders={"max": 9},
            )
        if not _E164.match(request.to):
            raise InvalidNumberError(
                "{number} is not an international number (+ and country code)",
                key="international_number",
                placeholders={"number": request.to},
            )
        chinese = (request.language or "").lower().startswith("zh")
        body: dict[str, Any] = {
            "displayNbr": self._display_number,
            "calleeNbr": request.to,
            "languageType": CHINESE if chinese else self._language_type,
            "preTone": request.pre_tone or self._pre_tone,
            "verifyCode": code,
            "userData": uuid.uuid4().hex,
        }
        if post_tone := request.post_tone or self._post_tone:
            body["posTone"] = post_tone
        if repeat is not None:
            body["times"] = repeat
        return await self._async_place_call(CALL_VERIFY_PATH, body, request.callback_url)

    async def async_send_voice_message(self, message: VoiceMessage) -> PlacedCalls:
        """Call one number and play a voice notification (callnotify); return Huawei's session id.

        Audio ids are approved audio files; texts fill the variables of an approved template
        (`template_id`), read by Huawei's voice. With `keys`, one key press is collected after
        the last part and comes back in the call's status pushes.
        """
        _check_notification(message)
        play: list[dict[str, Any]] = []
        texts = [prompt.text for prompt in message.prompts if prompt.text is not None]
        for prompt in message.prompts:
            if prompt.audio_id is not None:
                play.append({"notifyVoice": prompt.audio_id})
            elif not any("templateId" in item for item in play):
                # All texts fill one template, where the first of them stands.
                play.append({"templateId": message.template_id, "templateParas": texts})
        if len(play) > MAX_NOTIFY_PARTS:
            raise RequestValidationError(
                "a notification plays at most {max} parts",
                key="notification_parts",
                placeholders={"max": MAX_NOTIFY_PARTS},
            )
        if message.keys:
            play[-1] |= {"collectInd": 1, "replayAfterCollection": "false"}
        body: dict[str, Any] = {
            "displayNbr": self._display_number,
            "calleeNbr": message.numbers[0],
            "playInfoList": play,
            "userData": uuid.uuid4().hex,
        }
        return await self._async_place_call(CALL_NOTIFY_PATH, body, message.callback_url)

    async def _async_place_call(
        self, path: str, body: dict[str, Any], callback_url: str | None
    ) -> PlacedCalls:
        """Place a call whose pushes go to the callback URL (Base64, as Huawei wants it)."""
        if callback_url:
            encoded = base64.b64encode(callback_url.encode()).decode()
            body = {**body, "statusUrl": encoded, "feeUrl": encoded}
        answer = await self._post(path, body)
        session_id = text_or_none(answer.get("sessionId"))
        if session_id is None:
            raise ProviderError("the call was accepted, but no session id came back")
        return PlacedCalls(session_id)

    # ---- recordings ----------------------------------------------------------------------------

    def media_of(self, event: Mapping[str, Any]) -> MediaRef | None:
        """Return the recording a fee record says its call has (`recordFlag` 1).

        Only voice callback calls are recorded; a verification code or a voice notification never
        is, so the calls this integration places have none. The file is asked for by name through
        the record API (signed by the application's key); the push's own download link is not
        followed, as pushes are not always signed.
        """
        raw = event.get("raw")
        if event.get("type") != EventType.CALL_RECORD or not isinstance(raw, dict):
            return None
        file_name, domain = text_or_none(raw.get("recordObjectName")), text_or_none(raw.get("recordDomain"))
        if int_or_none(raw.get("recordFlag")) != 1 or not file_name or not domain:
            return None
        return MediaRef(
            MediaKind.RECORDING, json.dumps({"file": file_name, "domain": domain}, sort_keys=True)
        )

    async def async_download_media(self, ref: MediaRef) -> Download:
        """Fetch a recording: ask `/rest/provision/voice/record/v1.0` where it is, then fetch it there.

        Huawei answers 301 with the file's address in its storage (valid 7 days) in `Location`.
        """
        if ref.kind is not MediaKind.RECORDING:
            raise FeatureUnavailableError(f"no {ref.kind} are kept")
        where = json.loads(ref.item_id)
        nonce = uuid.uuid4().hex
        created = self._clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        asked = await self._api.fetch(
            "GET",
            RECORD_PATH,
            max_bytes=MAX_RECORDING_BYTES,
            params={"fileName": where["file"], "recordDomain": where["domain"]},
            headers=aksk_headers(self._app_key, self._app_secret, nonce, created),
            allow_redirects=False,
        )
        if asked.status == 200 and asked.content and not asked.content_type.endswith("json"):
            return as_download(asked, "Huawei", ("audio/",), "a recording")
        if asked.status not in (301, 302, 303, 307) or not asked.location:
            answer = json_answer(asked.content.decode(errors="replace"), asked.status)
            code = text_or_none(answer.get("resultcode")) or str(asked.status)
            raise result_error(code, text_or_none(answer.get("resultdesc")))
        link = urljoin(self._api.base_url, asked.location)
        fetched = await self._api.fetch_link(link, hosts=RECORDING_HOSTS, max_bytes=MAX_RECORDING_BYTES)
        if fetched.status >= 400:
            raise ProviderError(f"the recording storage answered HTTP {fetched.status}")
        return as_download(fetched, "Huawei", ("audio/",), "a recording")

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            return await self._post_once(path, body, self._created_offset)
        except ProviderError as err:
            if err.code != _CLOCK_CODE:
                raise
            other = next(offset for offset in _CREATED_OFFSETS if offset != self._created_offset)
            answer = await self._post_once(path, body, other)
            self._created_offset = other
            return answer

    async def _post_once(self, path: str, body: dict[str, Any], created_offset: timedelta) -> dict[str, Any]:
        nonce = uuid.uuid4().hex
        created = (self._clock().astimezone(UTC) + created_offset).strftime("%Y-%m-%dT%H:%M:%SZ")
        headers = {
            "Content-Type": "application/json;charset=UTF-8",
            **aksk_headers(self._app_key, self._app_secret, nonce, created),
        }
        status, text = await self._api.request("POST", path, data=json.dumps(body), headers=headers)
        answer = json_answer(text, status)
        code = text_or_none(answer.get("resultcode"))
        if code == "0":
            return answer
        if code is None:
            raise ProviderError(f"the API answered HTTP {status} without a result code")
        raise result_error(code, text_or_none(answer.get("resultdesc")))


def result_error(code: str, description: str | None) -> Exception:
    """Map a Huawei result code to a typed error carrying Huawei's description."""
    reason = f"{description or 'error'} ({code})"
    if code in _AUTH_CODES:
        return AuthError(reason)
    if code == _ARREARS_CODE:
        return InsufficientBalanceError(f"{reason}: the account is not active (arrears?)", code)
    if code in _RATE_CODES:
        return RateLimitedError(f"{reason}: flow control; try again later", code)
    if code == _CLOCK_CODE:
        return ProviderError(
            f"{reason}: Huawei found the request's time too far from its own; check that Home Assistant's "
            "clock is right (NTP)",
            code,
        )
    return ProviderError(reason, code)


def _check_notification(message: VoiceMessage) -> None:
    """Refuse what Huawei's voice notification cannot do, before anything is sent."""
    if len(message.numbers) != 1:
        raise RequestValidationError("a notification calls one number", key="notification_one_number")
    if not _E164.match(message.numbers[0]):
        raise InvalidNumberError(
            "{number} is not an international number (+ and country code)",
            key="international_number",
            placeholders={"number": message.numbers[0]},
        )
    if not message.prompts:
        raise RequestValidationError(
            "nothing to say: give an audio id, or texts with a template", key="nothing_to_say_template"
        )
    if message.start is not None or message.end is not None:
        raise RequestValidationError(
            "calls start at once; there is no calling window", key="no_calling_window"
        )
    if message.iys_filter is not None or message.relation_id:
        raise RequestValidationError(
            "there is neither an İYS check nor a relation id", key="no_iys_or_relation"
        )
    texts = [prompt.text for prompt in message.prompts if prompt.text is not None]
    if message.template_id and not texts:
        raise RequestValidationError("a template needs texts for its variables", key="template_needs_texts")
    if any(len(text.encode()) > MAX_TEMPLATE_VARIABLE for text in texts):
        raise RequestValidationError(
            "a template variable holds at most {max} bytes",
            key="template_variable_bytes",
            placeholders={"max": MAX_TEMPLATE_VARIABLE},
        )
    if any(prompt.text is not None for prompt in message.prompts) and not message.template_id:
        raise RequestValidationError(
            "text is read only through an approved template: give its template_id "
            "(the texts are its variables)",
            key="text_needs_template",
        )
    for digit, prompt in message.keys.items():
        if len(digit) != 1 or not digit.isdigit():
            raise RequestValidationError(
                "key {key} is not a digit from 0 to 9",
                key="key_not_digit",
                placeholders={"key": f"“{digit}”"},
            )
        if prompt is not None:
            raise RequestValidationError(
                "nothing is played after a key press: leave the keys without a text",
                key="nothing_after_key",
            )


def check_settings(base_url: str, display_number: str, pre_tone: str) -> None:
    """Refuse settings Huawei would refuse on the first call."""
    parsed = urlparse(base_url)
    if parsed.scheme not in ("https", "http") or not parsed.hostname:
        raise RequestValidationError(
            "the access address must be a URL such as {example}",
            key="access_address",
            placeholders={"example": "https://rtccall.cn-north-1.myhuaweicloud.cn:443"},
        )
    if not _E164.match(display_number):
        raise RequestValidationError(
            "the display number must be international: + and country code", key="display_number"
        )
    if not pre_tone.strip():
        raise RequestValidationError("the pre-tone file name is missing", key="pre_tone_missing")


def verify_push(request: WebhookRequest, credentials: Mapping[str, Any], url: str | None) -> PushSignature:
    """Check Huawei's AKSK headers on a push: the digest, and that `Created` is recent.

    Huawei documents the digest only loosely (over the push URL, nonce and time, with or without
    newlines); any documented variant that matches is accepted. `Created` may be UTC or Beijing
    time written with a Z (the documents disagree); either reading within SIGNATURE_WINDOW of the
    arrival counts as recent, so that a captured push cannot be replayed later.
    """
    headers = {key.lower(): value for key, value in request.headers.items()}
    fields = parse_aksk(headers.get("x-aksk", ""))
    app_key, app_secret = credentials.get("app_key", ""), credentials.get("app_secret", "")
    # Bytes, not text: compare_digest refuses text that is not ASCII (anyone can send a header).
    if not fields or not hmac.compare_digest(fields.get("Username", "").encode(), app_key.encode()):
        return PushSignature(valid=False, reason="no X-AKSK header for this application")
    nonce, created, digest = (
        fields.get("Nonce", ""),
        fields.get("Created", ""),
        fields.get("PasswordDigest", ""),
    )
    messages = [nonce + created]
    if url:
        messages += [url + nonce + created, f"{url}\n{nonce}\n{created}"]
    if not any(
        hmac.compare_digest(password_digest(app_secret, message).encode(), digest.encode())
        for message in messages
    ):
        return PushSignature(valid=False, reason="signature does not match")
    if not _recent(created, request.received_at):
        return PushSignature(valid=False, reason="signature is not recent (Created)", nonce=nonce or None)
    return PushSignature(valid=True, nonce=nonce or None)


def _recent(created: str, received_at: datetime) -> bool:
    """Whether `Created` (UTC, or Beijing time with a Z) lies within the window around the arrival."""
    try:
        written = datetime.fromisoformat(created.strip().replace("Z", "+00:00"))
    except ValueError:
        return False
    if written.tzinfo is None:
        written = written.replace(tzinfo=UTC)
    return any(abs(written - offset - received_at) <= SIGNATURE_WINDOW for offset in _CREATED_OFFSETS)


def parse_webhook(request: WebhookRequest) -> list[TelephonyEvent]:
    """Turn a status push (`eventType` + `statusInfo`) or a fee push (`feeLst`) into events."""
    events: list[TelephonyEvent] = []
    for item in as_items(decode_body(request.body, request.content_type)):
        kind = (text_or_none(item.get("eventType")) or "").strip()
        if not kind:
            raise PayloadError("eventType is missing")
        if kind.lower() == "fee":
            records = item.get("feeLst")
            if not isinstance(records, list):
                raise PayloadError("feeLst is missing")
            events.extend(_fee_record(as_object(record)) for record in records)
        else:
            event = _status(kind, as_object(item.get("statusInfo")))
            if event is not None:
                events.append(event)
    return events


def _status(kind: str, info: dict[str, JsonValue]) -> TelephonyEvent | None:
    session_id = text_or_none(info.get("sessionId"))
    if session_id is None:
        raise PayloadError("statusInfo.sessionId is missing")
    key_pressed: str | None = None
    final = False
    state_code = int_or_none(info.get("stateCode"))
    match kind.lower():
        case "disconnect":
            status = _DISCONNECT.get(state_code if state_code is not None else 0, CallStatus.FAILED)
            final = True
        case "collectinfo":
            status, key_pressed = CallStatus.ANSWERED, text_or_none(info.get("digitInfo"))
        case other if other in _PROGRESS:
            status = _PROGRESS[other]
        case _:
            return None
    return TelephonyEvent(
        type=EventType.CALL_STATUS,
        provider=PROVIDER,
        dedupe_key=f"{session_id}:{kind.lower()}:{key_pressed or ''}",
        call_id=session_id,
        caller=text_or_none(info.get("caller")),
        callee=text_or_none(info.get("called")),
        direction=Direction.OUTBOUND,
        status=str(status),
        key_pressed=key_pressed,
        occurred_at=_time(info.get("timestamp")),
        raw={"eventType": kind, "statusInfo": info},
        extra={
            "final": final,
            "provider_event": kind,
            "state_code": state_code,
            "state_description": text_or_none(info.get("stateDesc")),
            "user_data": text_or_none(info.get("userData")),
        },
    )


def _fee_record(record: dict[str, JsonValue]) -> TelephonyEvent:
    session_id = text_or_none(record.get("sessionId"))
    icid = text_or_none(record.get("icid"))
    if session_id is None and icid is None:
        raise PayloadError("a fee record has neither icid nor sessionId")
    answered = _time(record.get("callOutAnswerTime"))
    ended = _time(record.get("callEndTime"))
    duration = max(0, round((ended - answered).total_seconds())) if answered and ended else None
    return TelephonyEvent(
        type=EventType.CALL_RECORD,
        provider=PROVIDER,
        dedupe_key=f"fee:{icid or ''}:{session_id or ''}",
        call_id=session_id,
        caller=text_or_none(record.get("callerNum")),
        callee=text_or_none(record.get("calleeNum")),
        direction=Direction.INBOUND if int_or_none(record.get("direction")) == 1 else Direction.OUTBOUND,
        status="answered" if answered else "not_answered",
        duration=duration,
        occurred_at=ended or _time(record.get("failTime")),
        raw=record,
        extra={
            "icid": icid,
            "started_at": _iso(record.get("callOutStartTime")),
            "answered_at": answered.isoformat() if answered else None,
            "recording_url": text_or_none(record.get("recordFileDownloadUrl")),
            "service_type": text_or_none(record.get("serviceType")),
            "hangup_cause": int_or_none(record.get("callOutUnaswRsn")),
            "tts_plays": int_or_none(record.get("ttsPlayTimes")),
            "user_data": text_or_none(record.get("userData")),
        },
    )


def _time(value: JsonValue) -> datetime | None:
    """Read `2019-01-24 03:04:24`; Huawei's documents say UTC for these (assumed)."""
    text = text_or_none(value)
    return None if text is None else _utc_time(text)


@lru_cache(maxsize=1024)
def _utc_time(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def _iso(value: JsonValue) -> str | None:
    moment = _time(value)
    return moment.isoformat() if moment else None


# The examples of Huawei's call status and billing notifications, as written there (tests/fixtures/
# huawei/seed_*.json). A try gets a new session id (and record id), and its times are moved to its
# moment.
_DOCUMENTED_CALLOUT: Final[dict[str, JsonValue]] = {
    "eventType": "callout",
    "statusInfo": {
        "sessionId": "1201_612_4294967295_20190124030424@callenabler245.huaweicaas.com",
        "timestamp": "2019-01-24 03:04:24",
        "caller": "+8613800000022",
        "called": "+8613800000021",
    },
}
_DOCUMENTED_FEE: Final[dict[str, JsonValue]] = {
    "eventType": "fee",
    "feeLst": [
        {
            "direction": 0,
            "spId": "CaaS_Test_01",
            "appKey": "ka4kESI5s3YyurL1wpx63s9YnEm2",
            "icid": "CAE-20190124110424-12019775",
            "bindNum": "+8675512345678",
            "sessionId": "1201_612_4294967295_20190124030424@callenabler245.huaweicaas.com",
            "callerNum": "+8613800000022",
            "calleeNum": "+8613800000021",
            "fwdDisplayNum": "+8613800000022",
            "fwdDstNum": "+8613866887021",
            "fwdStartTime": "2019-01-24 03:04:31",
            "fwdAlertingTime": "2019-01-24 03:04:36",
            "fwdAnswerTime": "2019-01-24 03:04:38",
            "callEndTime": "2019-01-24 03:04:49",
            "fwdUnaswRsn": 0,
            "failTime": "",
            "ulFailReason": 0,
            "sipStatusCode": 0,
            "callOutStartTime": "2019-01-24 03:04:24",
            "callOutAlertingTime": "2019-01-24 03:04:27",
            "callOutAnswerTime": "2019-01-24 03:04:31",
            "callOutUnaswRsn": 0,
            "dynIVRStartTime": "",
            "dynIVRPath": "",
            "recordFlag": 0,
            "recordStartTime": "",
            "recordObjectName": "",
            "recordBucketName": "",
            "recordDomain": "",
            "recordFileDownloadUrl": "",
            "ttsPlayTimes": 0,
            "ttsTransDuration": 0,
            "serviceType": "002",
            "hostName": "callenabler245.huaweicaas.com",
            "userData": "",
        }
    ],
}
_SAMPLE_TIMES: Final = dict.fromkeys(
    (
        "timestamp",
        "fwdStartTime",
        "fwdAlertingTime",
        "fwdAnswerTime",
        "callEndTime",
        "failTime",
        "callOutStartTime",
        "callOutAlertingTime",
        "callOutAnswerTime",
        "dynIVRStartTime",
        "recordStartTime",
    ),
    clock_mover("%Y-%m-%d %H:%M:%S", UTC),
)


def _session_id(moment: datetime) -> str:
    """Make a session id in Huawei's shape: a call's number and its start (UTC)."""
    return f"1201_612_{new_digits(10)}_{moment.astimezone(UTC):%Y%m%d%H%M%S}@callenabler245.huaweicaas.com"


def _record_id(moment: datetime) -> str:
    """Make a billing record id in Huawei's shape (its time is Beijing's, 8 hours ahead of UTC)."""
    return f"CAE-{moment.astimezone(UTC) + timedelta(hours=8):%Y%m%d%H%M%S}-{new_digits(8)}"


SAMPLES: Final = (
    documented_sample(
        "call_dialing",
        _DOCUMENTED_CALLOUT,
        parse_webhook,
        ids={"sessionId": _session_id},
        times=_SAMPLE_TIMES,
    ),
    documented_sample(
        "call_record",
        _DOCUMENTED_FEE,
        parse_webhook,
        ids={"sessionId": _session_id, "icid": _record_id},
        times=_SAMPLE_TIMES,
    ),
)


# The keys of the entry's data.
APP_KEY: Final = "app_key"
APP_SECRET: Final = "app_secret"
DISPLAY_NUMBER: Final = "display_number"
PRE_TONE: Final = "pre_tone"
POST_TONE: Final = "post_tone"
LANGUAGE_TYPE: Final = "language_type"


def _client(session: aiohttp.ClientSession, data: Mapping[str, Any]) -> HuaweiClient:
    return HuaweiClient(
        session,
        data[APP_KEY],
        data[APP_SECRET],
        display_number=data[DISPLAY_NUMBER],
        pre_tone=data[PRE_TONE],
        post_tone=data.get(POST_TONE) or None,
        language_type=int(data.get(LANGUAGE_TYPE) or CHINESE),
        base_url=data.get(SETTING_BASE_URL) or DEFAULT_BASE_URL,
    )


SPEC: Final = ProviderSpec(
    id=PROVIDER,
    brand="Huawei Cloud",
    model="Voice Call",
    configuration_url="https://console.huaweicloud.com",
    fields=(
        Field(key=APP_KEY, identity=True),
        Field(key=APP_SECRET, kind=FieldKind.SECRET),
        Field(key=SETTING_BASE_URL, kind=FieldKind.URL, default=DEFAULT_BASE_URL),
        Field(key=DISPLAY_NUMBER, private=True),
        Field(key=PRE_TONE),
        Field(key=POST_TONE, required=False),
        Field(key=LANGUAGE_TYPE, kind=FieldKind.NUMBER, default=CHINESE, minimum=1, maximum=99),
    ),
    title="Huawei Cloud {display_number}",
    default_country="CN",
    event_types=EVENT_TYPES,
    parse_webhook=parse_webhook,
    create_client=_client,
    capabilities=frozenset({VOICE_CODE, VOICE_MESSAGE, MEDIA}),
    secret_key=APP_SECRET,
    callback_per_request=True,
    verify_webhook=verify_push,
    samples=SAMPLES,
)
