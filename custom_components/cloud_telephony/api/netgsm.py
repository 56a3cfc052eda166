"""Netgsm: voice messages, SMS and the balance.

Voice messages (sesli mesaj): send, cancel, report, audio files, the status webhook. SMS (REST
v2): send, OTP, delivery reports, the inbox.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
import hashlib
import json
from pathlib import PurePath
from typing import Any, Final
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import aiohttp

from .models import (
    AudioFile,
    AuthError,
    Balance,
    CallStatus,
    Direction,
    Download,
    EventType,
    FeatureUnavailableError,
    InvalidNumberError,
    IysFilter,
    MediaKind,
    MediaRef,
    PayloadError,
    PlacedCalls,
    Prompt,
    ProviderError,
    RateLimitedError,
    RequestValidationError,
    SentMessage,
    SmsOptions,
    TelephonyEvent,
    VoiceCode,
    VoiceMessage,
    WebhookRequest,
    server_error,
)
from .numbers import normalize_number
from .payload import (
    JsonValue,
    as_items,
    as_object,
    decode_body,
    int_or_none,
    is_ascii_number,
    json_answer,
    only_digits,
    text_or_none,
)
from .samples import documented_sample, new_digits
from .spec import (
    AUDIO_LIBRARY,
    BALANCE,
    DELIVERY_POLLING,
    INBOX,
    MEDIA,
    RESULT_POLLING,
    SETTING_BASE_URL,
    SMS,
    VOICE_CANCEL,
    VOICE_CODE,
    VOICE_MESSAGE,
    Field,
    FieldKind,
    ProviderSpec,
)
from .transport import Transport, as_download

PROVIDER: Final = "netgsm"
API_URL: Final = "https://api.netgsm.com.tr"
REQUEST_TIMEOUT: Final = 30
# Loaded at import (in an executor), never in the event loop.
ISTANBUL: Final = ZoneInfo("Europe/Istanbul")

MIN_RING_TIME: Final = 10
MAX_RING_TIME: Final = 30
MIN_WINDOW: Final = timedelta(hours=1)
MAX_WINDOW: Final = timedelta(hours=21)
MAX_AUDIO_BYTES: Final = 4 * 1024 * 1024
# Netgsm's error text says WAV; its own example uploads an MP3. Both are let through.
AUDIO_EXTENSIONS: Final = frozenset({".wav", ".mp3"})
MAX_LIST_RANGE: Final = timedelta(days=30)
MAX_CODE_DIGITS: Final = 12
MAX_REPEAT: Final = 5

# SMS (REST v2, HTTP Basic authentication).
SMS_SEND_PATH: Final = "/sms/rest/v2/send"
SMS_OTP_PATH: Final = "/sms/rest/v2/otp"
SMS_REPORT_PATH: Final = "/sms/rest/v2/report"
SMS_INBOX_PATH: Final = "/sms/rest/v2/inbox"
SMS_HEADERS_PATH: Final = "/sms/rest/v2/msgheader"
MAX_OTP_LENGTH: Final = 160
# How far back the inbox is read: it is read with a date range, since a read without one hands
# each message out once only (Netgsm's note on code 40).
INBOX_SPAN: Final = timedelta(days=1)
# Sent messages whose outcome is asked for, at most, per report query (Netgsm's page size).
MAX_REPORT_JOBS: Final = 100
_TURKISH: Final = str.maketrans("çğıöşüÇĞİÖŞÜ", "cgiosuCGIOSU")
SMS_PERMISSION_MESSAGE: Final = (
    "Netgsm refused the SMS request (code 30): this API user may not use SMS, or this address is not "
    "in the account's API IP whitelist"
)

AUTH_MESSAGE: Final = (
    "Netgsm refused the credentials (code 30): wrong usercode or password, no API permission for this "
    "user, or this address is not in the account's API IP whitelist"
)
# Codes of the send, report and list endpoints, in Netgsm's meaning.
_SEND_ERRORS: Final = {
    "40": "the audio file was not found (code 40)",
    "45": "no phone number to call (code 45)",
    "70": "a parameter is wrong or missing (code 70)",
}
_REPORT_ERRORS: Final = {
    "70": "a parameter is wrong or missing (code 70)",
    "100": "Netgsm system error (code 100)",
}
_LIST_ERRORS: Final = {
    "50": "the date format is wrong (code 50)",
    "60": "the date range is longer than 30 days (code 60)",
    "70": "a parameter is wrong or missing (code 70)",
}
_UPLOAD_ERRORS: Final = {
    "10": "Netgsm did not receive the file (code 10)",
    "20": "Netgsm refused the file type (code 20)",
    "40": "the file is larger than 4 MB (code 40)",
}
_SMS_ERRORS: Final = {
    "20": "the message text is wrong or too long (code 20)",
    "40": "the sender header is not defined in the account (code 40)",
    "41": "the sender header is not valid (code 41)",
    "50": "the account cannot send İYS-checked messages, or the number is wrong (code 50)",
    "51": "the account has no İYS brand, or the number is wrong (code 51)",
    "52": "the number is wrong (code 52)",
    "60": "the account has no OTP SMS package (code 60)",
    "70": "a parameter is wrong or missing (code 70)",
    "80": "the sending limit is exceeded (code 80)",
    "85": "more than 20 messages to the same number within a minute (code 85)",
    "100": "Netgsm system error (code 100)",
    "101": "Netgsm system error (code 101)",
    "110": "Netgsm system error (code 110)",
}
_QUERY_LIMIT: Final = "Netgsm allows 10 queries a minute (code 80)"
# The delivery report's states: 0 is waiting; the others are final.
_SMS_DELIVERED: Final = 1
_SMS_FAILURES: Final = {
    2: "expired",
    3: "invalid_number",
    4: "not_sent_to_operator",
    11: "rejected_by_operator",
    12: "delivery_error",
    13: "duplicate",
    14: "insufficient_balance",
    15: "blacklisted",
    16: "iys_rejected",
    17: "iys_error",
}
_BALANCE_ERRORS: Final = {
    "60": "no balance record (code 60)",
    "70": "a parameter is wrong or missing (code 70)",
}

# Call outcomes: the webhook's `state` and the report's status share these numbers.
_STATUSES: Final = {
    1: CallStatus.ANSWERED,
    2: CallStatus.NOT_ANSWERED,
    3: CallStatus.UNREACHABLE,
    4: CallStatus.INSUFFICIENT_BALANCE,
    5: CallStatus.CANCELLED,
    6: CallStatus.FAILED,
    7: CallStatus.BUSY,
    8: CallStatus.INVALID_NUMBER,
    9: CallStatus.EXPIRED,
}
_WAITING: Final = 0

EVENT_TYPES: Final = frozenset(
    {EventType.CALL_STATUS, EventType.SMS_RECEIVED, EventType.SMS_STATUS, EventType.MEDIA_SAVED}
)
# Where the recordings of callees' answers are: Netgsm's own domain (any host of it).
RECORDING_HOSTS: Final = ("netgsm.com.tr",)
MAX_RECORDING_BYTES: Final = 20 * 1024 * 1024
# Netgsm's codes of the İYS register checks: individuals, merchants.
_IYS_CODES: Final = {IysFilter.INDIVIDUAL: "11", IysFilter.MERCHANT: "12"}


class NetgsmClient:
    """Netgsm's voice message and SMS APIs with a usercode and password; the session is injected."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        usercode: str,
        password: str,
        *,
        base_url: str | None = None,
        sms_header: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """Keep the credentials; nothing is sent yet.

        `sms_header` is the sender name of SMS (else the account's first header, asked once).
        """
        self._api = Transport(
            session, brand="Netgsm", api_url=API_URL, base_url=base_url, timeout=REQUEST_TIMEOUT
        )
        self._usercode = usercode
        self._password = password
        credentials = base64.b64encode(f"{usercode}:{password}".encode()).decode()
        self._rest_headers = {"Authorization": f"Basic {credentials}"}
        self._sms_header = sms_header
        self._clock = clock or (lambda: datetime.now(ISTANBUL))

    # ---- recordings ----------------------------------------------------------------------------

    def media_of(self, event: Mapping[str, Any]) -> MediaRef | None:
        """Return the answer a callee recorded after a voice message (the report's `record_link`).

        How a voice message asks for it is not documented (Netgsm's panel sets it up); whenever a
        call's outcome carries the link, the recording is fetched, as voicemail.
        """
        link = event.get("recording_url")
        if event.get("type") == EventType.CALL_STATUS and isinstance(link, str) and link.startswith("http"):
            return MediaRef(MediaKind.VOICEMAIL, link)
        return None

    async def async_download_media(self, ref: MediaRef) -> Download:
        """Fetch a recorded answer from Netgsm's own servers (a link elsewhere is refused)."""
        if ref.kind is not MediaKind.VOICEMAIL:
            raise FeatureUnavailableError(f"no {ref.kind} are kept")
        fetched = await self._api.fetch_link(
            ref.item_id, hosts=RECORDING_HOSTS, max_bytes=MAX_RECORDING_BYTES
        )
        if fetched.status >= 400:
            raise ProviderError(f"the recording link answered HTTP {fetched.status}")
        return as_download(fetched, "Netgsm", ("audio/",), "a recording")

    # ---- account ---------------------------------------------------------------------------

    async def async_validate(self) -> Balance:
        """Check the credentials with the balance query, which has no side effect."""
        return await self.async_get_balance()

    async def async_get_balance(self) -> Balance:
        """Return the credit (money) balance, in Turkish lira."""
        text = await self._request(
            "POST", "/balance", json={"usercode": self._usercode, "password": self._password, "stip": 2}
        )
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):
            document = None
        if isinstance(document, int | str) or (document is None and is_ascii_number(text.strip())):
            # A bare code, as the legacy endpoints answer (30: credentials, permission or IP).
            raise _coded_error(str(document if document is not None else text.strip()), _BALANCE_ERRORS)
        if not isinstance(document, dict):
            raise ProviderError("the balance answer is not JSON")
        code = text_or_none(document.get("code"))
        if code is not None and code != "00":
            raise _coded_error(code, _BALANCE_ERRORS)
        amount = _amount(document.get("balance"))
        if amount is None:
            raise ProviderError("the balance answer has no amount")
        return Balance(amount=amount, unit="TRY")

    # ---- voice messages --------------------------------------------------------------------

    async def async_send_voice_message(self, message: VoiceMessage) -> PlacedCalls:
        """Start a voice message job; return Netgsm's job id (bulkid)."""
        text = await self._request(
            "POST", "/voicesms/send", data=build_voice_xml(message, self._usercode, self._password).encode()
        )
        code, _, rest = text.strip().partition(" ")
        # 01 and 02: a start or stop time was invalid and Netgsm used its own; the job runs.
        if code in ("00", "01", "02") and rest.strip():
            return PlacedCalls(rest.strip().split()[0])
        raise _coded_error(code, _SEND_ERRORS)

    async def async_send_voice_code(self, request: VoiceCode) -> PlacedCalls:
        """Read a numeric code out slowly (twice by default) in a short Turkish or English sentence.

        Turkish unless another language is asked for; Netgsm has no tones for this (ignored).
        """
        code, repeat = request.code, request.repeat
        if not is_ascii_number(code) or not 1 <= len(code) <= MAX_CODE_DIGITS:
            raise RequestValidationError(
                "the code must be {min} to {max} digits",
                key="code_digits",
                placeholders={"min": 1, "max": MAX_CODE_DIGITS},
            )
        if repeat is not None and not 1 <= repeat <= MAX_REPEAT:
            raise RequestValidationError(
                "a code is read {min} to {max} times",
                key="code_repeat",
                placeholders={"min": 1, "max": MAX_REPEAT},
            )
        prompt = Prompt(text=spoken_digits(code, request.language or "tr", repeat or 2))
        return await self.async_send_voice_message(
            VoiceMessage(numbers=[request.to], prompts=[prompt], callback_url=request.callback_url)
        )

    async def async_cancel_voice_message(self, job_id: str) -> None:
        """Cancel a scheduled job that has not started."""
        text = await self._request(
            "GET",
            "/voicesms/edit",
            params={"usercode": self._usercode, "password": self._password, "bulkid": job_id},
        )
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):
            document = None
        # Errors such as 30 may come as a bare code instead of a JSON object.
        code = text_or_none(document.get("code")) if isinstance(document, dict) else text.strip()
        if code == "200":
            return
        if code == "40":
            raise ProviderError(
                "Netgsm has no scheduled job with this id that has not started (code 40)", code
            )
        raise _coded_error(code or "", {})

    async def async_poll_results(
        self, job_ids: Sequence[str], region: str | None = "TR"
    ) -> list[TelephonyEvent]:
        """Return the calls' outcomes so far (the report), as `call_status` events."""
        text = await self._request(
            "GET",
            "/voicesms/report/",
            params={
                "usercode": self._usercode,
                "password": self._password,
                "bulkid": ",".join(job_ids),
                "type": "1" if len(job_ids) > 1 else "0",
            },
        )
        rows = [row.strip() for row in text.replace("<BR>", "<br>").split("<br>") if row.strip()]
        if len(rows) == 1 and is_ascii_number(rows[0]):
            code = rows[0]
            if code == "60":
                return []
            if code == "80":
                raise RateLimitedError("two report queries per minute are allowed (code 80)", code)
            raise _coded_error(code, _REPORT_ERRORS)
        events: list[TelephonyEvent] = []
        for row in rows:
            fields = row.split()
            status = int_or_none(fields[2]) if len(fields) >= 3 else None
            if status is None or status == _WAITING or status not in _STATUSES:
                continue
            # The fourth column is the pressed key (layout with a relation id: unverified); only
            # an answered call has one.
            answered = _STATUSES[status] is CallStatus.ANSWERED
            key = fields[3] if answered and len(fields) > 3 and fields[3] not in ("-", "") else None
            events.append(
                _call_status(
                    job_id=fields[0],
                    callee=normalize_number(fields[1], region),
                    state=status,
                    key_pressed=key,
                    raw={"report": row},
                )
            )
        return events

    # ---- audio files -----------------------------------------------------------------------

    async def async_upload_audio(self, filename: str, content: bytes) -> str:
        """Upload an audio file for later messages; return its audio id (one upload per minute)."""
        extension = PurePath(filename).suffix.lower()
        if extension not in AUDIO_EXTENSIONS:
            formats = ", ".join(sorted(AUDIO_EXTENSIONS))
            if not extension:
                raise RequestValidationError(
                    "only {formats} files are taken; this file name has no extension",
                    key="audio_extension_missing",
                    placeholders={"formats": formats},
                )
            raise RequestValidationError(
                "only {formats} files are taken, not {extension}",
                key="audio_extension",
                placeholders={"formats": formats, "extension": extension},
            )
        if len(content) > MAX_AUDIO_BYTES:
            raise RequestValidationError(
                "the file has {size} bytes; at most {max} MB are allowed",
                key="audio_too_large",
                placeholders={"size": len(content), "max": MAX_AUDIO_BYTES // 2**20},
            )
        form = aiohttp.FormData()
        form.add_field("username", self._usercode)
        form.add_field("password", self._password)
        form.add_field(
            "dosya", content, filename=PurePath(filename).name, content_type="application/octet-stream"
        )
        text = (await self._request("POST", "/voicesms/upload", data=form)).strip()
        if text in _UPLOAD_ERRORS or text == "30" or not is_ascii_number(text):
            raise _coded_error(text, _UPLOAD_ERRORS)
        return text

    async def async_list_audio(self, start: datetime, end: datetime) -> list[AudioFile]:
        """Return the audio files uploaded between two times (at most 30 days apart)."""
        if end <= start or end - start > MAX_LIST_RANGE:
            raise RequestValidationError(
                "the range must end after it starts and span at most {days} days",
                key="list_range",
                placeholders={"days": MAX_LIST_RANGE.days},
            )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?><mainbody><header>'
            f"<usercode>{escape(self._usercode)}</usercode><password>{escape(self._password)}</password>"
            f"<startdate>{_istanbul(start, '%d%m%Y%H%M')}</startdate>"
            f"<stopdate>{_istanbul(end, '%d%m%Y%H%M')}</stopdate>"
            "</header></mainbody>"
        )
        text = await self._request("POST", "/voicesms/uploadlist", data=body.encode())
        rows = [row.strip() for row in text.replace("<BR>", "<br>").split("<br>") if row.strip()]
        if len(rows) == 1 and is_ascii_number(rows[0]) and len(rows[0]) <= 3:
            if rows[0] == "40":
                return []
            raise _coded_error(rows[0], _LIST_ERRORS)
        files = []
        for row in rows:
            parts = [part.strip() for part in row.split("|")]
            if len(parts) < 5 or not parts[0]:
                continue
            files.append(
                AudioFile(
                    audio_id=parts[0],
                    sender=parts[1] or None,
                    uploaded_at=_parse_time(parts[2], "%d.%m.%Y %H:%M"),
                    duration=int_or_none(parts[3]),
                    url=parts[4] or None,
                )
            )
        return files

    # ---- SMS (REST v2) -----------------------------------------------------------------------

    async def async_send_sms(self, to: str, text: str, options: SmsOptions | None = None) -> SentMessage:
        """Send one SMS; Turkish characters are kept unless `unicode` is False.

        With `otp`, through Netgsm's OTP route: one number, at most 160 characters, no Turkish
        characters (they are written without their marks) and no schedule.
        """
        options = options or SmsOptions()
        if not text.strip():
            raise RequestValidationError("the message is empty", key="message_empty")
        header = options.sender_id or await self._default_header()
        number = national_number(to)
        if options.otp:
            if options.schedule is not None or options.iys_filter is not None:
                raise RequestValidationError(
                    "the OTP route sends at once, without an İYS check", key="otp_now_without_iys"
                )
            if not (len(number) == 10 and number.startswith("5")):
                raise RequestValidationError(
                    "the OTP route sends to Turkish mobile numbers only", key="otp_turkish_mobile"
                )
            plain = text.translate(_TURKISH)
            if len(plain) > MAX_OTP_LENGTH:
                raise RequestValidationError(
                    "the code message is {length} characters long; the OTP route allows {max}",
                    key="otp_too_long",
                    placeholders={"length": len(plain), "max": MAX_OTP_LENGTH},
                )
            answer = await self._rest(
                "POST", SMS_OTP_PATH, json={"msgheader": header, "msg": plain, "no": number}
            )
            job_id = text_or_none(answer.get("jobId")) or text_or_none(answer.get("jobid"))
        else:
            body: dict[str, Any] = {"msgheader": header, "messages": [{"msg": text, "no": number}]}
            keep_turkish = text != text.translate(_TURKISH) if options.unicode is None else options.unicode
            if keep_turkish:
                body["encoding"] = "TR"
            if options.iys_filter is not None:
                body["iysfilter"] = _IYS_CODES[options.iys_filter]
            if options.schedule is not None:
                body["startdate"] = _istanbul(options.schedule, "%d%m%Y%H%M")
            answer = await self._rest("POST", SMS_SEND_PATH, json=body)
            job_id = text_or_none(answer.get("jobid"))
        if job_id is None:
            raise ProviderError("the SMS was accepted, but no job id came back")
        status = "scheduled" if options.schedule is not None and not options.otp else "accepted"
        return SentMessage(to=to, message_id=job_id, status=status)

    async def async_poll_deliveries(
        self, message_ids: Sequence[str], region: str | None = "TR"
    ) -> list[TelephonyEvent]:
        """Return the final outcomes of sent SMS (delivered, or why not) from the delivery report."""
        if not message_ids:
            return []
        now = self._clock()
        body = {
            "jobids": list(message_ids[:MAX_REPORT_JOBS]),
            "startdate": _istanbul(now - INBOX_SPAN - timedelta(days=1), "%d.%m.%Y %H:%M:%S"),
            "stopdate": _istanbul(now, "%d.%m.%Y %H:%M:%S"),
            "pagenumber": 0,
            "pagesize": MAX_REPORT_JOBS,
        }
        answer = await self._rest("POST", SMS_REPORT_PATH, json=body, empty_codes=frozenset({"60"}))
        jobs = answer.get("jobs")
        rows = [as_object(job) for job in jobs] if isinstance(jobs, list) else []
        return [event for row in rows if (event := _delivery(row, region)) is not None]

    async def async_fetch_incoming_sms(self, region: str | None = "TR") -> list[TelephonyEvent]:
        """Return the SMS received within the last day, oldest first (read with a date range)."""
        now = self._clock()
        params = {
            "startdate": _istanbul(now - INBOX_SPAN, "%d%m%Y%H%M%S"),
            "stopdate": _istanbul(now, "%d%m%Y%H%M%S"),
        }
        answer = await self._rest("GET", SMS_INBOX_PATH, params=params, empty_codes=frozenset({"40"}))
        messages = answer.get("messages")
        rows = [as_object(row) for row in messages] if isinstance(messages, list) else []
        events = [event for row in rows if (event := _incoming_sms(row, region)) is not None]
        return sorted(events, key=lambda event: event.occurred_at or datetime.min.replace(tzinfo=ISTANBUL))

    async def _default_header(self) -> str:
        """Return the configured sender header, else the account's first (asked once)."""
        if self._sms_header is None:
            answer = await self._rest("GET", SMS_HEADERS_PATH)
            headers = answer.get("msgheaders")
            names = (
                [name for value in headers if (name := text_or_none(value))]
                if isinstance(headers, list)
                else []
            )
            if not names:
                raise ProviderError("the account has no SMS sender header; define one in the web panel")
            self._sms_header = names[0]
        return self._sms_header

    async def _rest(
        self, method: str, path: str, *, empty_codes: frozenset[str] = frozenset(), **kwargs: Any
    ) -> dict[str, JsonValue]:
        """Call a REST v2 endpoint; return its answer (code 00, or one of `empty_codes`: nothing found)."""
        status, text = await self._api.request(method, path, headers=self._rest_headers, **kwargs)
        answer = json_answer(text, status)
        code = text_or_none(answer.get("code"))
        if code == "00" or code in empty_codes:
            return {} if code in empty_codes else answer
        if code == "30":
            # The balance, checked at setup, proves the credentials: here the user lacks the SMS API.
            raise FeatureUnavailableError(SMS_PERMISSION_MESSAGE, code)
        if code in ("80", "85"):
            meaning = _SMS_ERRORS[code] if path in (SMS_SEND_PATH, SMS_OTP_PATH) else _QUERY_LIMIT
            raise RateLimitedError(meaning, code)
        if code is None and status < 400:
            raise ProviderError("the SMS answer has no result code")
        raise _coded_error(code or str(status), _SMS_ERRORS)

    async def _request(self, method: str, path: str, **kwargs: Any) -> str:
        headers = (
            {"Content-Type": "text/xml; charset=UTF-8"} if isinstance(kwargs.get("data"), bytes) else None
        )
        status, text = await self._api.request(method, path, headers=headers, **kwargs)
        if status >= 500:
            raise server_error(status)
        if status >= 400 and status != 406:
            raise ProviderError(f"the API answered HTTP {status}")
        return text


def _coded_error(code: str, meanings: dict[str, str]) -> Exception:
    """Turn a Netgsm result code into a typed error carrying Netgsm's meaning."""
    if code == "30":
        return AuthError(AUTH_MESSAGE)
    if code == "45":
        return InvalidNumberError(meanings.get(code, f"code {code}"), code)
    if code in meanings:
        return ProviderError(meanings[code], code)
    return ProviderError(f"an unknown result ({code[:40] or 'empty'})", code or None)


def _amount(value: JsonValue) -> float | None:
    """Read `34,020` (decimal comma), `1.234,56` or `34.02`."""
    text = text_or_none(value)
    if text is None:
        return None
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def national_number(number: str) -> str:
    """Return the number as Netgsm dials it: 10 national digits in Turkey, else 00 and the digits."""
    digits = only_digits(number)
    if number.startswith("+90") or (len(digits) == 12 and digits.startswith("90")):
        return digits[2:]
    if number.startswith("+"):
        return "00" + digits
    # National format: 0 and ten digits, mobile (05…) or landline (0212…).
    return digits.removeprefix("0") if len(digits) == 11 and digits.startswith("0") else digits


def _istanbul(moment: datetime, pattern: str) -> str:
    return moment.astimezone(ISTANBUL).strftime(pattern)


def _validate(message: VoiceMessage) -> None:
    if not message.numbers:
        raise RequestValidationError("no phone number to call", key="no_number_to_call")
    if not message.prompts:
        raise RequestValidationError(
            "nothing to say: give a text, an audio id or a series", key="nothing_to_say"
        )
    if message.template_id:
        raise RequestValidationError(
            "the texts are read as they are; there is no template", key="no_template"
        )
    if not MIN_RING_TIME <= message.ring_time <= MAX_RING_TIME:
        raise RequestValidationError(
            "the ring time must be {min} to {max} seconds",
            key="ring_time",
            placeholders={"min": MIN_RING_TIME, "max": MAX_RING_TIME},
        )
    for digit, prompt in message.keys.items():
        if len(digit) != 1 or not is_ascii_number(digit):
            raise RequestValidationError(
                "key {key} is not a digit from 0 to 9",
                key="key_not_digit",
                placeholders={"key": f"“{digit}”"},
            )
        if prompt is None:
            raise RequestValidationError(
                "something is played after each key: give key {key} a text or an audio id",
                key="key_needs_prompt",
                placeholders={"key": digit},
            )
    if message.iys_filter is not None and message.iys_filter not in _IYS_CODES:
        raise RequestValidationError("the İYS filter is individual or merchant", key="iys_filter")
    if (message.start is None) != (message.end is None):
        raise RequestValidationError(
            "give both the start and the end of the calling window, or neither", key="calling_window_ends"
        )
    if message.start is not None and message.end is not None:
        window = message.end - message.start
        if not MIN_WINDOW <= window <= MAX_WINDOW:
            raise RequestValidationError(
                "the calling window must last between {min} and {max} hours",
                key="calling_window_length",
                placeholders={
                    "min": MIN_WINDOW // timedelta(hours=1),
                    "max": MAX_WINDOW // timedelta(hours=1),
                },
            )


def _prompt_xml(prompt: Prompt) -> str:
    if prompt.text is not None:
        return f"<text>{escape(prompt.text)}</text>"
    return f"<audioid>{escape(prompt.audio_id or '')}</audioid>"


def build_voice_xml(message: VoiceMessage, usercode: str, password: str) -> str:
    """Build the `/voicesms/send` document: simple for one prompt, dynamic (a scenario) for several.

    Texts are XML-escaped and the document is UTF-8 (Netgsm's own samples do neither).
    """
    _validate(message)
    start, end = message.start, message.end
    header = [
        f"<usercode>{escape(usercode)}</usercode>",
        f"<password>{escape(password)}</password>",
        f"<startdate>{_istanbul(start, '%d%m%Y') if start else ''}</startdate>",
        f"<starttime>{_istanbul(start, '%H%M') if start else ''}</starttime>",
        f"<stopdate>{_istanbul(end, '%d%m%Y') if end else ''}</stopdate>",
        f"<stoptime>{_istanbul(end, '%H%M') if end else ''}</stoptime>",
        f"<key>{1 if message.keys else 0}</key>",
        f"<ringtime>{message.ring_time}</ringtime>",
    ]
    # Netgsm documents `filter` and `relationid` as inputs, but its official package never writes
    # them: their element names and place are unverified. In the header, where Netgsm's SMS XML
    # puts its `<filter>`, as one third-party voice client does too.
    if message.iys_filter:
        header.append(f"<filter>{_IYS_CODES[message.iys_filter]}</filter>")
    if message.relation_id:
        header.append(f"<relationid>{escape(message.relation_id)}</relationid>")
    if message.callback_url:
        header.append(f"<url>{escape(message.callback_url)}</url>")
    numbers = "".join(f"<no>{escape(national_number(number))}</no>" for number in message.numbers)
    keys = "".join(
        f"<keys><keydetail><keyinfo>{digit}</keyinfo>{_prompt_xml(prompt)}</keydetail></keys>"
        for digit, prompt in sorted(message.keys.items())
        if prompt is not None
    )
    if len(message.prompts) == 1:
        body = _prompt_xml(message.prompts[0]) + numbers + keys
    else:
        series = "".join(
            f"<series s='{index}'>{_prompt_xml(prompt)}</series>"
            for index, prompt in enumerate(message.prompts, 1)
        )
        body = f"<voicemail><scenario>{series}<number>{numbers}</number>{keys}</scenario></voicemail>"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<mainbody><header>{''.join(header)}</header><body>{body}</body></mainbody>"
    )


def parse_webhook(request: WebhookRequest) -> list[TelephonyEvent]:
    """Turn Netgsm's per-call status post into a `call_status` event.

    A state this integration does not know (Netgsm may add some) is taken without an event: the
    post is answered 200 with nothing accepted, as for any status a provider adds.
    """
    events = (
        _webhook_item(item, request.region)
        for item in as_items(decode_body(request.body, request.content_type))
    )
    return [event for event in events if event is not None]


def _webhook_item(item: dict[str, JsonValue], region: str | None) -> TelephonyEvent | None:
    job_id = text_or_none(item.get("bulkid"))
    if job_id is None:
        raise PayloadError("bulkid is missing")
    state = int_or_none(item.get("state"))
    if state is None:
        raise PayloadError("state is missing")
    if state not in _STATUSES:
        return None
    detail = as_object(item.get("detail"))
    message_type = int_or_none(item.get("type"))
    push_button = text_or_none(detail.get("push_button")) if "push_button" in detail else None
    key_result: str | None = None
    key_pressed: str | None = None
    # Nobody listened to a call that was not answered: no key outcome, whatever `push_button`
    # says (the seed's busy call carries one; it stays in `raw`).
    if _STATUSES[state] is CallStatus.ANSWERED and (message_type in (3, 4) or push_button is not None):
        if push_button is None:
            # Netgsm's NULL: listened, and left before the key prompt.
            key_result = "hung_up_before_prompt"
        elif push_button == "-1":
            key_result = "no_key_in_time"
        else:
            key_result, key_pressed = "pressed", push_button
    times = {
        name: _parse_netgsm_time(item.get(name)) for name in ("start_time", "answer_time", "hangup_time")
    }
    record_link = text_or_none(detail.get("record_link"))
    return _call_status(
        job_id=job_id,
        callee=normalize_number(text_or_none(item.get("callee")), region),
        caller=normalize_number(text_or_none(item.get("caller")), region),
        state=state,
        key_pressed=key_pressed,
        duration=int_or_none(item.get("bilsec")),
        occurred_at=times["hangup_time"] or times["answer_time"] or times["start_time"],
        raw=item,
        extra={
            "key_result": key_result,
            "relation_id": text_or_none(item.get("relationid")),
            "recording_url": record_link,
            "callee_name": text_or_none(item.get("name")),
            "message_type": message_type,
            "started_at": times["start_time"].isoformat() if times["start_time"] else None,
            "answered_at": times["answer_time"].isoformat() if times["answer_time"] else None,
        },
    )


def _call_status(
    *,
    job_id: str,
    callee: str | None,
    state: int,
    key_pressed: str | None,
    raw: dict[str, Any],
    caller: str | None = None,
    duration: int | None = None,
    occurred_at: datetime | None = None,
    extra: dict[str, Any] | None = None,
) -> TelephonyEvent:
    """Build the event both the webhook and the report produce, with the same identity."""
    return TelephonyEvent(
        type=EventType.CALL_STATUS,
        provider=PROVIDER,
        dedupe_key=f"{job_id}:{callee or ''}:{state}",
        call_id=job_id,
        caller=caller,
        callee=callee,
        direction=Direction.OUTBOUND,
        status=str(_STATUSES[state]),
        key_pressed=key_pressed,
        duration=duration,
        occurred_at=occurred_at,
        raw=raw,
        extra={"final": True, **(extra or {})},
    )


def _delivery(row: dict[str, JsonValue], region: str | None) -> TelephonyEvent | None:
    """Turn a row of the SMS delivery report into an `sms_status` event, once its outcome is final."""
    job_id = text_or_none(row.get("jobid"))
    state = int_or_none(row.get("status"))
    if job_id is None or state is None or (state != _SMS_DELIVERED and state not in _SMS_FAILURES):
        # Waiting (0), or a state Netgsm may add: asked again at the next poll.
        return None
    callee = normalize_number(text_or_none(row.get("number")), region)
    delivered_at = _sms_time(row.get("deliveredDate"))
    return TelephonyEvent(
        type=EventType.SMS_STATUS,
        provider=PROVIDER,
        dedupe_key=f"dlr:{job_id}:{callee or ''}:{state}",
        call_id=job_id,
        callee=callee,
        direction=Direction.OUTBOUND,
        status="delivered" if state == _SMS_DELIVERED else "failed",
        occurred_at=delivered_at,
        raw=row,
        extra={
            "failure_reason": _SMS_FAILURES.get(state),
            "provider_status": state,
            "operator": int_or_none(row.get("operator")),
            "delivered_at": delivered_at.isoformat() if delivered_at and state == _SMS_DELIVERED else None,
        },
    )


def _incoming_sms(row: dict[str, JsonValue], region: str | None) -> TelephonyEvent | None:
    """Turn a message of the inbox into an `sms_received` event (Netgsm gives no message id)."""
    sender = text_or_none(row.get("sender"))
    message = row.get("message")
    text = message if isinstance(message, str) else text_or_none(message)
    if sender is None and text is None:
        return None
    received = _sms_time(row.get("datetime"))
    caller = normalize_number(sender, region)
    digest = hashlib.sha256((text or "").encode()).hexdigest()[:16]
    moment = received.isoformat() if received else text_or_none(row.get("datetime")) or ""
    return TelephonyEvent(
        type=EventType.SMS_RECEIVED,
        provider=PROVIDER,
        dedupe_key=f"sms:{caller or ''}:{moment}:{digest}",
        caller=caller,
        callee=normalize_number(text_or_none(row.get("receiver")), region),
        direction=Direction.INBOUND,
        message=text,
        occurred_at=received,
        raw=row,
        extra={},
    )


def _sms_time(value: JsonValue) -> datetime | None:
    """Read the SMS API's times, `15.01.2023 14:30:00` or `2023-01-15 14:30:00`, as Istanbul time."""
    text = text_or_none(value)
    if text is None:
        return None
    return _parse_time(text, "%d.%m.%Y %H:%M:%S") or _parse_time(text, "%Y-%m-%d %H:%M:%S")


def _parse_netgsm_time(value: JsonValue) -> datetime | None:
    """Read `2023-02-22 15:50:09.526` (0 to 6 fraction digits) as Istanbul time."""
    text = text_or_none(value)
    if text is None:
        return None
    main, _, fraction = text.partition(".")
    parsed = _parse_time(main, "%Y-%m-%d %H:%M:%S")
    if parsed is None:
        return None
    digits = only_digits(fraction)[:6]
    return parsed.replace(microsecond=int(digits.ljust(6, "0")) if digits else 0)


@lru_cache(maxsize=1024)
def _parse_time(text: str, pattern: str) -> datetime | None:
    try:
        return datetime.strptime(text.strip(), pattern).replace(tzinfo=ISTANBUL)
    except ValueError:
        return None


def spoken_digits(code: str, language: str, times: int = 2) -> str:
    """Say a code digit by digit, `times` times, in a short sentence (Turkish or English)."""
    language = language.lower()[:2]
    words = _DIGIT_WORDS.get(language, _DIGIT_WORDS["en"])
    spelled = ", ".join(words[int(digit)] for digit in only_digits(code))
    intro, again = _CODE_SENTENCES.get(language, _CODE_SENTENCES["en"])
    return " ".join([f"{intro} {spelled}.", *[f"{again} {spelled}."] * (times - 1)])


_DIGIT_WORDS: Final = {
    "tr": ("sıfır", "bir", "iki", "üç", "dört", "beş", "altı", "yedi", "sekiz", "dokuz"),
    "en": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
}
_CODE_SENTENCES: Final = {
    "tr": ("Doğrulama kodunuz:", "Tekrar ediyorum:"),
    "en": ("Your verification code is:", "Again:"),
}


# The example of Netgsm's voice message webhook, as written there (tests/fixtures/netgsm/
# seed_webhook.json): a busy callee of a message that collects a key. A try gets a new job id, and
# its times are moved to its moment.
_DOCUMENTED_STATUS: Final[dict[str, JsonValue]] = {
    "bulkid": 18009123,
    "caller": "3120000009",
    "callee": "5530000000",
    "state": 7,
    "type": 3,
    "name": "isim ",
    "creation_time": "2023-02-22 15:49:03.0",
    "start_time": "2023-02-22 15:50:09.526",
    "relationid": "0",
    "detail": {
        "push_button": "12",
        "survey_push_button_desc": "",
        "survey_taskid": "2131",
        "record_link": "htps://....",
    },
}


def _moved_time(value: JsonValue, span: timedelta) -> JsonValue:
    """Move a time as the webhook writes it (`2023-02-22 15:50:09.526`), with as many fraction digits."""
    text = str(value)
    moment = _parse_netgsm_time(text)
    if moment is None:
        return value
    moved = (moment.astimezone(UTC) + span).astimezone(ISTANBUL)
    digits = len(text.partition(".")[2])
    fraction = f".{moved.microsecond:06d}"[: digits + 1] if digits else ""
    return moved.strftime("%Y-%m-%d %H:%M:%S") + fraction


SAMPLES: Final = (
    documented_sample(
        "call_busy",
        _DOCUMENTED_STATUS,
        parse_webhook,
        ids={"bulkid": lambda _moment: int(new_digits(8))},
        times=dict.fromkeys(("creation_time", "start_time", "answer_time", "hangup_time"), _moved_time),
    ),
)


# The keys of the entry's data.
USERCODE: Final = "usercode"
PASSWORD: Final = "password"
SMS_HEADER: Final = "sms_header"


def _client(session: aiohttp.ClientSession, data: Mapping[str, Any]) -> NetgsmClient:
    return NetgsmClient(
        session,
        data[USERCODE],
        data[PASSWORD],
        base_url=data.get(SETTING_BASE_URL),
        sms_header=data.get(SMS_HEADER) or None,
    )


SPEC: Final = ProviderSpec(
    id=PROVIDER,
    brand="Netgsm",
    model="Voice messages and SMS",
    configuration_url="https://portal.netgsm.com.tr",
    fields=(
        Field(key=USERCODE, identity=True),
        Field(key=PASSWORD, kind=FieldKind.SECRET),
        Field(key=SMS_HEADER, required=False),
    ),
    title="Netgsm {usercode}",
    default_country="TR",
    event_types=EVENT_TYPES,
    parse_webhook=parse_webhook,
    create_client=_client,
    capabilities=frozenset(
        {
            BALANCE,
            MEDIA,
            VOICE_MESSAGE,
            VOICE_CODE,
            VOICE_CANCEL,
            RESULT_POLLING,
            AUDIO_LIBRARY,
            SMS,
            INBOX,
            DELIVERY_POLLING,
        }
    ),
    secret_key=PASSWORD,
    # Netgsm allows two report queries a minute; one every 30 s stays inside that for all jobs.
    result_poll_interval=timedelta(seconds=30),
    callback_per_request=True,
    samples=SAMPLES,
)
