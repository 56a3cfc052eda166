"""Yemot HaMashiach (call2all): TTS calls, tzintuk rings, SMS, IVR campaigns, and the SMS inbox."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
import hashlib
import re
from typing import Any, Final
import uuid
from zoneinfo import ZoneInfo

import aiohttp

from .models import (
    AuthError,
    Balance,
    CallQueue,
    Campaign,
    Direction,
    Download,
    EventType,
    FeatureUnavailableError,
    InvalidNumberError,
    MediaKind,
    MediaRef,
    MessageFolder,
    PayloadError,
    PlacedCalls,
    ProviderError,
    ProviderFailedError,
    QueueAgent,
    QueueCaller,
    RequestValidationError,
    SentMessage,
    SipPhone,
    SmsOptions,
    StoredMessage,
    TelephonyEvent,
    VoiceCode,
    VoiceMessage,
    WebhookRequest,
    refuse_turkish_sms_options,
)
from .numbers import normalize_number
from .payload import (
    JsonValue,
    as_object,
    decode_body,
    int_or_none,
    is_ascii_number,
    json_answer,
    only_digits,
    text_or_none,
)
from .samples import clock_mover, documented_sample
from .spec import (
    BALANCE,
    CAMPAIGN,
    DIRECTORY_LISTING,
    INBOX,
    MEDIA,
    PHONES,
    QUEUES,
    RING,
    SETTING_BASE_URL,
    SMS,
    VOICE_CODE,
    VOICE_MESSAGE,
    VOICEMAIL,
    Field,
    FieldKind,
    ProviderSpec,
)
from .transport import Transport, as_download

PROVIDER: Final = "yemot"
# How often a voice code is read when the action does not say (Yemot's own default for repeatFile).
DEFAULT_CODE_READINGS: Final = 2
API_URL: Final = "https://www.call2all.co.il"
DEFAULT_SERVER: Final = "ym"
RANDOM_CALLER_ID: Final = "RAND"
REQUEST_TIMEOUT: Final = 30
# Loaded at import (in an executor), never in the event loop.
JERUSALEM: Final = ZoneInfo("Asia/Jerusalem")
MAX_CAMPAIGN_NUMBERS: Final = 500
MAX_BRIDGE_TIMEOUT: Final = 35
INBOX_LIMIT: Final = 100
# Voicemail recordings are short: a few MB at most (8 kHz WAV is about 1 MB a minute).
MAX_RECORDING_BYTES: Final = 20 * 1024 * 1024
RECORDING_TYPES: Final = ("audio/", "application/octet-stream")

# How Yemot says a session token is no longer good (then: log in again, once): its two
# documented messages, the codes current clients log in again on, and any ERROR or FORBIDDEN
# that names the token.
_EXPIRED_MESSAGES: Final = ("session token is invalid", "session is expired")
_EXPIRED_CODES: Final = frozenset({"TOKEN_NOT_FOUND", "TOKEN_EXPIRED", "INVALID_TOKEN", "LOGIN_REQUIRED"})
_NAMES_THE_TOKEN: Final = re.compile(r"\btoken\b", re.IGNORECASE)
_MFA_REQUIRED: Final = "MFA_REQUIRED"
_MFA_REASON: Final = "this system requires two-factor login; use a token instead"

EVENT_TYPES: Final = frozenset({EventType.SMS_RECEIVED, EventType.VOICEMAIL_RECEIVED, EventType.MEDIA_SAVED})


def israeli_number(number: str) -> str:
    """Return the number as Yemot dials it: national (05…) for Israel, else 00 and the digits."""
    digits = only_digits(number)
    if number.startswith("+972") or (digits.startswith("972") and len(digits) >= 11):
        return "0" + digits[3:]
    if number.startswith("+"):
        return "00" + digits
    return digits


class YemotClient:
    """Yemot's classic API (`/ym/api/<Command>`).

    Logs in with the system number and password, renewing the session token when it expires, or
    uses a permanent token as given.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        system_number: str,
        *,
        password: str | None = None,
        token: str | None = None,
        server: str = DEFAULT_SERVER,
        base_url: str | None = None,
    ) -> None:
        """Keep the credentials; nothing is sent yet."""
        if not password and not token:
            raise RequestValidationError("a password or a token is needed", key="password_or_token")
        self._api = Transport(
            session, brand="Yemot", api_url=API_URL, base_url=base_url, timeout=REQUEST_TIMEOUT
        )
        self._system_number = system_number
        self._password = password
        self._permanent_token = token if not password else None
        self._session_token: str | None = None
        self._legacy_inbox = False
        self._server = (server or DEFAULT_SERVER).strip("/")

    # ---- account ---------------------------------------------------------------------------

    async def async_validate(self) -> Balance:
        """Check the credentials with GetSession, which also tells the units balance."""
        return await self.async_get_balance()

    async def async_get_balance(self) -> Balance:
        """Return the remaining units."""
        answer = await self._command("GetSession", {})
        units = answer.get("units")
        try:
            return Balance(amount=float(units), unit="units")  # type: ignore[arg-type]
        except (TypeError, ValueError) as err:
            raise ProviderError("the session answer has no units") from err

    # ---- calls -----------------------------------------------------------------------------

    async def async_send_voice_message(self, message: VoiceMessage) -> PlacedCalls:
        """Call the numbers and read the text (SendTTS); refused numbers come back with reasons."""
        if message.keys:
            raise RequestValidationError("spoken calls have no key menu", key="no_key_menu")
        if message.template_id:
            raise RequestValidationError(
                "the texts are read as they are; there is no template", key="no_template"
            )
        if message.start is not None or message.end is not None:
            raise RequestValidationError(
                "calls start at once; there is no calling window", key="no_calling_window"
            )
        if any(prompt.text is None for prompt in message.prompts):
            raise RequestValidationError("spoken calls read text only, not audio ids", key="text_only")
        text = " ".join(prompt.text or "" for prompt in message.prompts).strip()
        # No callbackUrl: the format of Yemot's campaign hooks is not documented, so nothing
        # here could read them.
        params: dict[str, Any] = {"phones": _phones(message.numbers), "ttsMessage": text}
        answer = await self._command("SendTTS", params)
        campaign = _campaign(answer, "CampaignId", "ErrorCalls")
        return PlacedCalls(campaign.campaign_id or "", campaign.errors)

    async def async_send_voice_code(self, request: VoiceCode) -> PlacedCalls:
        """Read a numeric code slowly in a short Hebrew or English sentence, `repeat` times (default 2).

        Hebrew unless another language is asked for. The sentence names the code once; Yemot plays
        the whole message `repeatFile` times.
        """
        code, repeat = request.code, request.repeat
        if not is_ascii_number(code) or not 1 <= len(code) <= 12:
            raise RequestValidationError(
                "the code must be {min} to {max} digits",
                key="code_digits",
                placeholders={"min": 1, "max": 12},
            )
        if repeat is not None and not 1 <= repeat <= 9:
            raise RequestValidationError(
                "a code is read {min} to {max} times", key="code_repeat", placeholders={"min": 1, "max": 9}
            )
        params: dict[str, Any] = {
            "phones": _phones([request.to]),
            "ttsMessage": spoken_code(code, request.language or "he"),
            "repeatFile": DEFAULT_CODE_READINGS if repeat is None else repeat,
        }
        answer = await self._command("SendTTS", params)
        campaign = _campaign(answer, "CampaignId", "ErrorCalls")
        _raise_if_refused(request.to, campaign.errors)
        return PlacedCalls(campaign.campaign_id or "", campaign.errors)

    async def async_ring(
        self,
        numbers: Sequence[str],
        *,
        caller_id: str | None = None,
        random_caller_id: bool = False,
        seconds: int | None = None,
    ) -> Campaign:
        """Ring the numbers briefly (tzintuk) as a free alert; a random caller id returns a code."""
        params: dict[str, Any] = {"phones": _phones(numbers)}
        if random_caller_id:
            # Yemot rings from a random number of its own; its last digits are the code.
            params["callerId"] = RANDOM_CALLER_ID
        elif caller_id:
            params["callerId"] = caller_id
        if seconds is not None:
            params["TzintukTimeOut"] = seconds
        return _campaign(await self._command("RunTzintuk", params), "campaignId", "errors")

    async def async_start_campaign(
        self,
        numbers: Sequence[str],
        ivr_path: str,
        *,
        caller_id: str | None = None,
        seconds: int | None = None,
    ) -> Campaign:
        """Call up to 500 numbers; whoever answers is put through to an IVR extension."""
        if not numbers or len(numbers) > MAX_CAMPAIGN_NUMBERS:
            raise RequestValidationError(
                "a campaign calls {min} to {max} numbers",
                key="campaign_numbers",
                placeholders={"min": 1, "max": MAX_CAMPAIGN_NUMBERS},
            )
        if seconds is not None and not 1 <= seconds <= MAX_BRIDGE_TIMEOUT:
            raise RequestValidationError(
                "the ring time must be {min} to {max} seconds",
                key="ring_time",
                placeholders={"min": 1, "max": MAX_BRIDGE_TIMEOUT},
            )
        body: dict[str, Any] = {"phones": [israeli_number(number) for number in numbers], "ivrPath": ivr_path}
        if caller_id:
            body["callerId"] = caller_id
        if seconds is not None:
            body["callsTimeOut"] = seconds
        # Arrays go as JSON: Yemot reads form fields as plain strings.
        return _campaign(
            await self._command("CallExtensionBridging", body, as_json=True), "campaignId", "errors"
        )

    # ---- SMS -------------------------------------------------------------------------------

    async def async_send_sms(self, to: str, text: str, options: SmsOptions | None = None) -> SentMessage:
        """Send one SMS; a refused number raises with Yemot's reason."""
        refuse_turkish_sms_options(options)
        if not text:
            raise RequestValidationError("the message is empty", key="message_empty")
        params: dict[str, Any] = {"phones": israeli_number(to), "message": text}
        if options is not None and options.sender_id:
            params["from"] = options.sender_id
        answer = await self._command("SendSms", params)
        _raise_if_refused(to, {str(k): str(v) for k, v in as_object(answer.get("errors")).items()})
        # Yemot gives no message id; a local one lets replies and the response refer to the send.
        return SentMessage(to=to, message_id=f"yemot-{uuid.uuid4().hex[:16]}", status="sent")

    async def async_fetch_incoming_sms(self, region: str | None = "IL") -> list[TelephonyEvent]:
        """Return the newest incoming SMS of the inbox, oldest first.

        `GetIncomingSms` is Yemot's current command; a system that refuses it is read with the
        older `GetSmsIncomingLog` from then on. A message has the same identity in both.
        """
        answer: dict[str, Any] | None = None
        if not self._legacy_inbox:
            try:
                answer = await self._command("GetIncomingSms", {"limit": INBOX_LIMIT})
            except ProviderError as err:
                # Only Yemot's own refusal of the command; anything else is the provider's trouble.
                if err.code not in ("ERROR", "EXCEPTION"):
                    raise
                self._legacy_inbox = True
        if answer is None:
            answer = await self._command("GetSmsIncomingLog", {"limit": INBOX_LIMIT})
        return inbox_events(answer, region)

    # ---- SIP phones --------------------------------------------------------------------------

    async def async_get_phones(self) -> list[SipPhone]:
        """Return the system's SIP accounts, each with its registration.

        Three commands: the accounts, their registered status, and each account's registration
        (user agent, contact, expiry). A server without SIP raises FeatureUnavailableError.
        """
        try:
            accounts = await self._command("GetSipAccountsInCustomer", {})
        except ProviderError as err:
            # Yemot's answer on such a server: ERROR, "this server does not support SIP" (in Hebrew).
            if err.code == "ERROR" and "SIP" in str(err).upper():
                raise FeatureUnavailableError(
                    f"this Yemot server has no SIP accounts ({err})", err.code
                ) from err
            raise
        statuses = await self._command("GetSipAccountsRegisteredStatus", {})
        registered = {
            text_or_none(row.get("userName")): _flag(row.get("registered"))
            for row in _rows(statuses, "accounts")
        }
        phones: list[SipPhone] = []
        for account in _rows(accounts, "accounts"):
            if (account_id := text_or_none(account.get("id"))) is None:
                continue
            number = int_or_none(account.get("accountNumber"))
            context: dict[str, JsonValue] = {}
            if number is not None:
                contexts = _rows(await self._command("SipGetContexts", {"accountNumber": number}), "contexts")
                # One active registration at most, Yemot says; the first is taken.
                context = contexts[0] if contexts else {}
            phones.append(
                SipPhone(
                    account_id=account_id,
                    account_number=number,
                    extension=text_or_none(account.get("customerExtension")),
                    # `transport-udp` or `transport-wss`.
                    transport=(text_or_none(account.get("transport")) or "").removeprefix("transport-")
                    or None,
                    registered=registered.get(account_id),
                    user_agent=text_or_none(context.get("user_agent")),
                    contact=text_or_none(context.get("uri")),
                    registration_expires=_jerusalem_time(text_or_none(context.get("expiration_time"))),
                )
            )
        return phones

    # ---- call queues -------------------------------------------------------------------------

    async def async_get_queue(self, path: str) -> CallQueue:
        """Return the queue's waiting callers and agents (GetQueueRealTime).

        The command and its fields are not in Yemot's document; they are as Yemot's web clients
        read them: `queueData` (Completed, Abandoned, …), `members` (agent, Status, Paused,
        CallsTaken) and `entries` (phone, Wait, Position, CallId).
        """
        answer = await self._command("GetQueueRealTime", {"queuePath": ivr_path(path)})
        totals = as_object(answer.get("queueData"))
        callers = [
            QueueCaller(
                call_id=_pick(row, "CallId", "callId"),
                number=_pick(row, "phone", "Phone"),
                wait=int_or_none(row.get("Wait", row.get("wait"))),
                position=int_or_none(row.get("Position", row.get("position"))),
            )
            for row in _rows(answer, "entries")
        ]
        agents = [
            QueueAgent(
                name=name,
                paused=_flag(row.get("Paused", row.get("paused"))),
                status=_pick(row, "Status", "status"),
                calls_taken=int_or_none(row.get("CallsTaken")),
            )
            for row in _rows(answer, "members")
            if (name := _pick(row, "agent", "Agent")) is not None
        ]
        return CallQueue(
            path=path,
            callers=tuple(sorted(callers, key=lambda caller: caller.position or 0)),
            agents=tuple(agents),
            completed=int_or_none(totals.get("Completed")),
            abandoned=int_or_none(totals.get("Abandoned")),
        )

    async def async_kick_queue_callers(
        self, path: str, call_ids: Sequence[str], target: str | None = None
    ) -> dict[str, str]:
        """Take waiting calls out of the queue, into `target` (a folder) if given (QueueManagement kick)."""
        body: dict[str, Any] = {"queuePath": ivr_path(path), "callIds": list(call_ids), "action": "kick"}
        if target:
            body["moreData"] = f"GOTO:/{canonical_path(target)}"
        answer = await self._command("QueueManagement", body, as_json=True)
        # Per call: "OK", or why not (the seed's "Call not found").
        return {str(call_id): str(status) for call_id, status in as_object(answer.get("status")).items()}

    async def async_set_agent_paused(self, path: str, agent: str, paused: bool) -> None:
        """Pause an agent, or let them take calls again (QueueManagement pause / unpause)."""
        body = {"queuePath": ivr_path(path), "action": "pause" if paused else "unpause", "agent": agent}
        await self._command("QueueManagement", body, as_json=True)

    # ---- voicemail boxes ---------------------------------------------------------------------

    async def async_get_message_folder(self, path: str) -> MessageFolder:
        """Return the folder's count of recordings and its newest (GetIVR2DirStats).

        Yemot numbers the messages a folder records (000, 001, …): the highest file is the newest.
        """
        answer = await self._command("GetIVR2DirStats", {"path": ivr_path(path)})
        count = answer.get("contentFilesCount", answer.get("filesCount"))
        return MessageFolder(
            path=path,
            messages=int_or_none(count),
            newest=_stored_message(as_object(answer.get("maxFile")), path),
        )

    async def async_download_message(self, path: str) -> Download:
        """Return a recording (DownloadFile); Yemot answers a refusal as its JSON envelope."""

        async def fetch(token: str) -> Download:
            fetched = await self._api.fetch(
                "POST",
                f"/{self._server}/api/DownloadFile",
                max_bytes=MAX_RECORDING_BYTES,
                data={"token": token, "path": ivr_path(path)},
            )
            if fetched.content_type == "application/json" or fetched.status >= 400:
                _envelope(json_answer(fetched.content.decode(errors="replace"), fetched.status))
            return as_download(fetched, "Yemot", RECORDING_TYPES, "a recording")

        return await self._with_token(fetch)

    def media_of(self, event: Mapping[str, Any]) -> MediaRef | None:
        """Return the recording a `voicemail_received` event announces (its file path)."""
        path = event.get("file_path")
        if event.get("type") == EventType.VOICEMAIL_RECEIVED and isinstance(path, str) and path:
            return MediaRef(MediaKind.VOICEMAIL, path)
        return None

    async def async_download_media(self, ref: MediaRef) -> Download:
        """Fetch a voicemail recording."""
        if ref.kind is not MediaKind.VOICEMAIL:
            raise FeatureUnavailableError(f"no {ref.kind} are kept")
        return await self.async_download_message(ref.item_id)

    # ---- directory listing (PirsumPhone) -------------------------------------------------------

    async def async_get_directory_listing(self) -> bool:
        """Return whether the system is registered with PirsumPhone.

        How Yemot answers a system without the service is not documented: an ERROR answer counts as
        that (FeatureUnavailableError; the switch then is not offered), an EXCEPTION does not.
        """
        try:
            answer = await self._command("PirsumPhoneManagement", {"action": "GetRegistrationStatus"})
        except ProviderError as err:
            if err.code != "ERROR":
                raise
            raise FeatureUnavailableError(f"PirsumPhone is not available: {err}", err.code) from err
        return _flag(answer.get("registrationStatus")) is True

    async def async_set_directory_listing(self, listed: bool) -> None:
        """Register the system with PirsumPhone, or take it off."""
        action = "Registration" if listed else "UnRegistration"
        await self._command("PirsumPhoneManagement", {"action": action})

    # ---- transport -------------------------------------------------------------------------

    async def _command(
        self, command: str, params: dict[str, Any], *, as_json: bool = False
    ) -> dict[str, Any]:
        return await self._with_token(
            lambda token: self._call(command, {**params, "token": token}, as_json=as_json)
        )

    async def _with_token[T](self, send: Callable[[str], Awaitable[T]]) -> T:
        """Send with the token; log in again once when Yemot says the session token expired."""
        token = await self._token()
        try:
            return await send(token)
        except _ExpiredTokenError:
            if self._password is None:
                raise AuthError("the token was refused") from None
            self._session_token = None
            token = await self._token()
            try:
                return await send(token)
            except _ExpiredTokenError as err:
                raise AuthError("the new session token was refused") from err

    async def _token(self) -> str:
        if self._permanent_token:
            return self._permanent_token
        if self._session_token is None:
            try:
                credentials = {"username": self._system_number, "password": self._password}
                answer = await self._call("Login", credentials, as_json=False)
            except _ExpiredTokenError as err:
                raise AuthError(str(err)) from err
            except ProviderError as err:
                raise AuthError(f"the login was refused: {err}") from err
            token = text_or_none(answer.get("token"))
            if token is None:
                if text_or_none(answer.get("message")) == _MFA_REQUIRED:
                    raise AuthError(_MFA_REASON)
                raise AuthError("the login answer has no token")
            self._session_token = token
        return self._session_token

    async def _call(self, command: str, params: dict[str, Any], *, as_json: bool) -> dict[str, Any]:
        path = f"/{self._server}/api/{command}"
        body = {"json": params} if as_json else {"data": params}
        status, text = await self._api.request("POST", path, **body)
        answer = json_answer(text, status)
        return _envelope(answer)


class _ExpiredTokenError(ProviderError):
    """The token was refused as invalid or expired."""


def _envelope(answer: dict[str, Any]) -> dict[str, Any]:
    """Read Yemot's `responseStatus`: OK, ERROR, EXCEPTION or FORBIDDEN."""
    status = (text_or_none(answer.get("responseStatus")) or "").upper()
    if status == "OK":
        return answer
    reason = (
        text_or_none(answer.get("message"))
        or text_or_none(answer.get("exceptionMessage"))
        or f"Yemot answered {status or 'without a status'}"
    )
    return_code = text_or_none(answer.get("messageCode"))
    codes = {reason.upper(), (return_code or "").upper()}
    if _MFA_REQUIRED in codes:
        raise AuthError(_MFA_REASON)
    if (
        any(marker in reason for marker in _EXPIRED_MESSAGES)
        or not codes.isdisjoint(_EXPIRED_CODES)
        or (status in ("ERROR", "FORBIDDEN") and _NAMES_THE_TOKEN.search(reason) is not None)
    ):
        raise _ExpiredTokenError(reason, status)
    if status == "FORBIDDEN":
        raise AuthError(reason)
    if status == "EXCEPTION":
        # An exception on Yemot's side: not a refusal of what was asked.
        raise ProviderFailedError(reason, return_code or status)
    raise ProviderError(reason, return_code or status or None)


def _rows(answer: dict[str, Any], key: str) -> list[dict[str, JsonValue]]:
    """Return the objects of a list in an answer (an absent or malformed list: none)."""
    rows = answer.get(key)
    return [as_object(row) for row in rows] if isinstance(rows, list) else []


def _flag(value: JsonValue) -> bool | None:
    """Read a yes/no that may come as a JSON boolean, a number or text."""
    if isinstance(value, bool):
        return value
    text = (text_or_none(value) or "").lower()
    return True if text in ("true", "1", "yes") else False if text in ("false", "0", "no") else None


def canonical_path(path: str) -> str:
    """Return a folder's path as the options keep it: `1/2` for `ivr2:/1/2`, `/1/2/` or `1/2`."""
    text = path.strip()
    if text.lower().startswith("ivr2:"):
        text = text[5:]
    return "/".join(part for part in text.split("/") if part)


def ivr_path(path: str) -> str:
    """Return a folder's path as Yemot's commands take it (`ivr2:/1/2`; the main menu `ivr2:/`)."""
    return f"ivr2:/{canonical_path(path)}"


def _pick(row: dict[str, JsonValue], *names: str) -> str | None:
    """Return the first of the field's spellings that has a value, as text."""
    return next((text for name in names if (text := text_or_none(row.get(name))) is not None), None)


def _stored_message(row: dict[str, JsonValue], folder: str) -> StoredMessage | None:
    """Read a file object of GetIVR2DirStats (`minFile` / `maxFile`); None when there is none."""
    name = text_or_none(row.get("name"))
    if name is None or _flag(row.get("exists")) is False:
        return None
    received = _file_time(text_or_none(row.get("date")) or text_or_none(row.get("mtime")))
    unique = text_or_none(row.get("uniqueId"))
    return StoredMessage(
        name=name,
        path=_pick(row, "what", "path") or f"{canonical_path(folder)}/{name}",
        identity=unique or f"{name}@{received.isoformat() if received else ''}",
        received_at=received,
        caller=text_or_none(row.get("phone")),
        duration=_seconds(text_or_none(row.get("durationStr")), row.get("duration")),
        size=int_or_none(row.get("size")),
        raw=row,
    )


def _file_time(text: str | None) -> datetime | None:
    """Read a file's `dd/mm/yyyy hh:mm` (seconds where given), in Israel time."""
    for pattern in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M"):
        try:
            return datetime.strptime((text or "").strip(), pattern).replace(tzinfo=JERUSALEM)
        except ValueError:
            continue
    return None


def _seconds(clock: str | None, minutes: JsonValue) -> int | None:
    """Return a length from `mm:ss` (or `hh:mm:ss`), else from the count of minutes the seed documents."""
    if clock is not None and all(part.isdigit() for part in clock.split(":")):
        total = 0
        for part in clock.split(":"):
            total = total * 60 + int(part)
        return total
    if isinstance(minutes, int | float) and not isinstance(minutes, bool) and 0 <= minutes < 10**6:
        return round(minutes * 60)
    return None


def _phones(numbers: Sequence[str]) -> str:
    return ":".join(israeli_number(number) for number in numbers)


def _campaign(answer: dict[str, Any], id_key: str, errors_key: str) -> Campaign:
    errors = {str(number): str(reason) for number, reason in as_object(answer.get(errors_key)).items()}
    return Campaign(
        campaign_id=text_or_none(answer.get(id_key)),
        calls=int_or_none(answer.get("callsCount", answer.get("OKCalls"))),
        errors=errors,
        verify_code=text_or_none(answer.get("verifyCode")),
        caller_id=text_or_none(answer.get("callerId")),
    )


def _raise_if_refused(number: str, errors: dict[str, str]) -> None:
    national = israeli_number(number)
    for refused, reason in errors.items():
        if israeli_number(refused) == national or refused == number:
            raise InvalidNumberError(f"{number}: {reason}", "refused")


def inbox_events(answer: dict[str, JsonValue], region: str | None) -> list[TelephonyEvent]:
    """Return the incoming SMS of an inbox answer (either command's), oldest first."""
    rows = answer.get("rows")
    if not isinstance(rows, list):
        return []
    events = [_incoming(as_object(row), region) for row in rows]
    return sorted(
        (event for event in events if event is not None),
        key=lambda event: event.occurred_at or datetime.min.replace(tzinfo=JERUSALEM),
    )


def parse_inbox(request: WebhookRequest) -> list[TelephonyEvent]:
    """Read an inbox answer delivered as a request: what the samples are made of (Yemot posts nothing)."""
    return inbox_events(as_object(decode_body(request.body, request.content_type)), request.region)


def _incoming(row: dict[str, JsonValue], region: str | None) -> TelephonyEvent | None:
    sender = text_or_none(row.get("phone") if "phone" in row else row.get("source"))
    message = row.get("message")
    text = message if isinstance(message, str) else text_or_none(message)
    raw_date = text_or_none(row.get("server_date") if "server_date" in row else row.get("receive_date"))
    if sender is None and text is None:
        return None
    digest = hashlib.sha256((text or "").encode()).hexdigest()[:16]
    caller = normalize_number(sender, region)
    received = _jerusalem_time(raw_date)
    # From what both inbox commands give alike (they spell the date differently): a message
    # keeps its identity when the command changes.
    moment = received.isoformat() if received else raw_date or ""
    return TelephonyEvent(
        type=EventType.SMS_RECEIVED,
        provider=PROVIDER,
        dedupe_key=f"sms:{caller or ''}:{moment}:{digest}",
        caller=caller,
        callee=normalize_number(
            text_or_none(row.get("dest") if "dest" in row else row.get("destination")), region
        ),
        direction=Direction.INBOUND,
        message=text,
        occurred_at=received,
        raw=row,
        extra={},
    )


def _jerusalem_time(text: str | None) -> datetime | None:
    """Read `22:40:54 2024-07-30` (the seed's form) or `2024-07-30 22:40:54`, in Israel time."""
    if text is None:
        return None
    for pattern in ("%H:%M:%S %Y-%m-%d", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text.strip(), pattern).replace(tzinfo=JERUSALEM)
        except ValueError:
            continue
    return None


def parse_webhook(request: WebhookRequest) -> list[TelephonyEvent]:
    """Yemot pushes nothing to this webhook: its SMS inbox is polled instead."""
    raise PayloadError("Yemot accounts take no webhook posts; incoming SMS are read from the inbox")


def spoken_code(code: str, language: str) -> str:
    """Say a code digit by digit, twice, in a short Hebrew or English sentence."""
    language = language.lower()[:2]
    words = _DIGITS.get(language, _DIGITS["en"])
    spelled = ", ".join(words[int(digit)] for digit in code)
    return f"{_SENTENCES.get(language, _SENTENCES['en'])} {spelled}."


_DIGITS: Final = {
    "he": ("אפס", "אחת", "שתיים", "שלוש", "ארבע", "חמש", "שש", "שבע", "שמונה", "תשע"),
    "en": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
}
_SENTENCES: Final = {
    "he": "קוד האימות שלך הוא:",
    "en": "Your verification code is:",
}


# The example of an incoming SMS in Yemot's API documentation (GetSmsIncomingLog), as the inbox
# answers it (tests/fixtures/yemot/seed_sms_incoming_log.json): the documented row, with the text
# the document gives as its example. A try moves its time to its moment (the inbox has no ids).
_DOCUMENTED_INBOX: Final[dict[str, JsonValue]] = {
    "responseStatus": "OK",
    "rows": [
        {
            "dest": 972501234567,
            "phone": 972541234567,
            "message": "דרוש המרה לפורמט JSON",
            "server_date": "22:40:54 2024-07-30",
        }
    ],
}

SAMPLES: Final = (
    documented_sample(
        "sms_received",
        _DOCUMENTED_INBOX,
        parse_inbox,
        times={"server_date": clock_mover("%H:%M:%S %Y-%m-%d", JERUSALEM)},
    ),
)


# The keys of the entry's data.
SYSTEM_NUMBER: Final = "system_number"
PASSWORD: Final = "password"
TOKEN: Final = "token"
SERVER: Final = "server"


def _client(session: aiohttp.ClientSession, data: Mapping[str, Any]) -> YemotClient:
    return YemotClient(
        session,
        data[SYSTEM_NUMBER],
        password=data.get(PASSWORD) or None,
        token=data.get(TOKEN) or None,
        server=data.get(SERVER) or DEFAULT_SERVER,
        base_url=data.get(SETTING_BASE_URL),
    )


def _form_errors(data: Mapping[str, Any]) -> dict[str, str]:
    """Ask for the password or a token (a system with two-factor login has only a token)."""
    return {} if data.get(PASSWORD) or data.get(TOKEN) else {"base": "credentials_missing"}


SPEC: Final = ProviderSpec(
    id=PROVIDER,
    brand="Yemot HaMashiach",
    model="IVR system",
    configuration_url="https://www.call2all.co.il",
    fields=(
        Field(key=SYSTEM_NUMBER, identity=True),
        Field(key=PASSWORD, kind=FieldKind.SECRET, required=False),
        Field(key=TOKEN, kind=FieldKind.SECRET, required=False),
        Field(key=SERVER, default=DEFAULT_SERVER),
    ),
    title="Yemot {system_number}",
    default_country="IL",
    event_types=EVENT_TYPES,
    parse_webhook=parse_webhook,
    create_client=_client,
    takes_webhook=False,
    capabilities=frozenset(
        {
            BALANCE,
            SMS,
            VOICE_MESSAGE,
            VOICE_CODE,
            RING,
            CAMPAIGN,
            INBOX,
            PHONES,
            QUEUES,
            VOICEMAIL,
            MEDIA,
            DIRECTORY_LISTING,
        }
    ),
    normalize_path=canonical_path,
    secret_key=PASSWORD,
    other_secret_keys=(TOKEN,),
    form_errors=_form_errors,
    samples=SAMPLES,
)
