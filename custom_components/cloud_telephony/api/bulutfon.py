"""Bulutfon cloud PBX: account check over API v1, and the webhook parser (calls and faxes)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
import json
import re
from typing import Any, Final
from urllib.parse import quote, urlsplit

import aiohttp

from .models import (
    AuthError,
    Direction,
    Download,
    EventType,
    FeatureUnavailableError,
    MediaKind,
    MediaRef,
    NothingToFetchError,
    PayloadError,
    ProviderError,
    RateLimitedError,
    RequestValidationError,
    TelephonyEvent,
    WebhookRequest,
    server_error,
)
from .numbers import match_key, normalize_number
from .payload import JsonValue, as_items, as_object, decode_body, decode_json, int_or_none, text_or_none
from .samples import documented_sample, moved_iso, moved_micros, new_uuid
from .spec import CALL_BACK, MEDIA, SETTING_BASE_URL, Field, FieldKind, ProviderSpec, Sample
from .transport import Transport, as_download

PROVIDER: Final = "bulutfon"
API_URL: Final = "https://api.bulutfon.com"
REQUEST_TIMEOUT: Final = 15
# A fax of a few dozen pages, or a long call recorded as WAV, stays well under this.
MAX_FILE_BYTES: Final = 50 * 1024 * 1024
FAX_TYPES: Final = ("image/tiff", "application/pdf")
RECORDING_TYPES: Final = ("audio/",)
# A fax listed by v2 within this many seconds of its `fax_init` is the one it announced.
FAX_MATCH_SECONDS: Final = 600
_CDR_PATH: Final = re.compile(r"/v2/cdr/\d{4}/\d{2}/\d{2}/[A-Za-z0-9-]{1,64}")

# Every spelling Bulutfon has used for "a call reached the PBX / an extension / a group / a menu".
_CALL_STARTED_STAGES: Final = {
    "call_init": "pbx",
    "call_init_extension": "extension",
    "incoming_call_extension": "extension",
    "call_init_group": "group",
    "incoming_call_group": "group",
    "call_init_menu": "menu",
    "call_init_manu": "menu",
}
_EVENT_TYPES: Final = {
    **dict.fromkeys(_CALL_STARTED_STAGES, EventType.CALL_STARTED),
    "call_hangup": EventType.CALL_ENDED,
    "missing_call": EventType.MISSED_CALL,
    "fax_init": EventType.INCOMING_FAX,
}
# Files are fetched for faxes and recorded calls, and announced when stored.
_MEDIA_EVENTS: Final = frozenset({EventType.MEDIA_SAVED})
_DIRECTIONS: Final = {"IN": Direction.INBOUND, "OUT": Direction.OUTBOUND}

EVENT_TYPES: Final = frozenset(_EVENT_TYPES.values()) | _MEDIA_EVENTS


@dataclass(frozen=True, slots=True)
class BulutfonAccount:
    """What `GET /me.json` says about the account."""

    user_name: str | None
    email: str | None
    pbx_name: str | None
    pbx_url: str | None
    pbx_state: str | None
    balance: str | None
    api_version: str = "v1"


class BulutfonClient:
    """Bulutfon's API with either credential it issues: a v1 master token or a v2 API user's key.

    The two are not interchangeable (Bulutfon says so); which one was given is found out by the
    check (`async_validate`): v1's `GET /me.json` first, then v2's `GET /v2/cdr/list`.
    """

    def __init__(self, session: aiohttp.ClientSession, token: str, *, base_url: str | None = None) -> None:
        """Keep the session and the token; nothing is sent yet."""
        self._api = Transport(
            session, brand="Bulutfon", api_url=API_URL, base_url=base_url, timeout=REQUEST_TIMEOUT
        )
        self._token = token
        self.api_version: str | None = None
        """`v1` or `v2` once the check found out; None before."""

    async def async_validate(self) -> BulutfonAccount:
        """Check the token as a v1 master token, else as a v2 API key; return the account."""
        try:
            body = await self._get("/me.json")
        except AuthError as v1_refusal:
            try:
                await self._get("/v2/cdr/list", limit=1)
            except AuthError as err:
                raise AuthError(
                    f"the token works neither for API v1 ({v1_refusal}) nor for API v2 ({err})"
                ) from err
            self.api_version = "v2"
            # v2 has no account document; the account is the one the key belongs to.
            return BulutfonAccount(None, None, None, None, None, None, api_version="v2")
        self.api_version = "v1"
        user, pbx, credit = (as_object(body.get(key)) for key in ("user", "pbx", "credit"))
        return BulutfonAccount(
            user_name=text_or_none(user.get("name")),
            email=text_or_none(user.get("email")),
            pbx_name=text_or_none(pbx.get("name")),
            pbx_url=text_or_none(pbx.get("url")),
            pbx_state=text_or_none(pbx.get("state")),
            balance=text_or_none(credit.get("balance")),
        )

    # ---- files ---------------------------------------------------------------------------------

    def media_of(self, event: Mapping[str, Any]) -> MediaRef | None:
        """Return the fax a `fax_init` announces, or the recording a hang-up may have.

        With v1, a hang-up whose call details say it was recorded; with v2, any hang-up that names
        its call details on Bulutfon's API (`cdr_api_url`), which tell whether it was recorded.
        """
        call_id = event.get("call_id")
        if not isinstance(call_id, str) or not call_id:
            return None
        occurred = event.get("occurred_at")
        when = datetime.fromisoformat(occurred) if isinstance(occurred, str) else None
        if event.get("type") == EventType.INCOMING_FAX:
            return MediaRef(MediaKind.FAX, call_id, caller=event.get("caller"), occurred_at=when)
        if event.get("type") != EventType.CALL_ENDED:
            return None
        if self.api_version == "v2":
            cdr_path = _cdr_path(event.get("cdr_api_url"))
            return MediaRef(MediaKind.RECORDING, cdr_path) if cdr_path else None
        return MediaRef(MediaKind.RECORDING, call_id) if event.get("recorded") else None

    async def async_download_media(self, ref: MediaRef) -> Download:
        """Fetch a fax or a call recording with whichever API the token belongs to."""
        if ref.kind not in (MediaKind.FAX, MediaKind.RECORDING):
            raise FeatureUnavailableError(f"no {ref.kind} are kept")
        if self.api_version == "v2":
            if ref.kind is MediaKind.FAX:
                return await self._fetch(f"/v2/fax/incoming-faxes/{await self._v2_fax_id(ref)}/download", ref)
            return await self._fetch(await self._v2_recording_path(ref), ref)
        folder = "incoming-faxes" if ref.kind is MediaKind.FAX else "call-records"
        return await self._fetch(f"/{folder}/{quote(ref.item_id, safe='')}", ref)

    async def _v2_fax_id(self, ref: MediaRef) -> str:
        """Find the v2 fax of a `fax_init` (whose uuid is not the fax's v2 id): same sender, nearest time."""
        if ref.occurred_at is None:
            raise FeatureUnavailableError("a fax without the time it arrived cannot be found in v2's list")
        faxes = _rows(await self._get("/v2/fax/incoming-faxes"))
        sender = match_key(ref.caller or "")
        candidates = []
        for fax in faxes:
            fax_id, created = text_or_none(fax.get("id")), _iso(fax.get("created_at"))
            if fax_id is None or (sender and match_key(text_or_none(fax.get("sender")) or "") != sender):
                continue
            distance = (
                abs((created - ref.occurred_at).total_seconds()) if created and ref.occurred_at else 0.0
            )
            if distance <= FAX_MATCH_SECONDS:
                candidates.append((distance, fax_id))
        if not candidates:
            raise ProviderError("the fax is not listed yet")
        return min(candidates)[1]

    async def _v2_recording_path(self, ref: MediaRef) -> str:
        """Read the call's details (`cdr_api_url`); return where its recording is, on Bulutfon's hosts."""
        details = await self._get(ref.item_id)
        record = as_object(details.get("data")) or details
        link = text_or_none(record.get("call_record"))
        if not link or link.upper() == "NO" or not link.startswith("http"):
            raise NothingToFetchError("the call was not recorded")
        path = self._own_path(link)
        if path is None:
            raise ProviderError("the recording link points away from the provider's servers")
        return path

    def _own_path(self, link: str) -> str | None:
        """Return a link's path and query when it is on the API's own host (else None: not fetched)."""
        parsed = urlsplit(link)
        if parsed.scheme not in ("http", "https") or parsed.hostname != urlsplit(self._api.base_url).hostname:
            return None
        return parsed.path + (f"?{parsed.query}" if parsed.query else "")

    async def _fetch(self, path: str, ref: MediaRef) -> Download:
        fetched = await self._api.fetch("GET", path, max_bytes=MAX_FILE_BYTES, params=self._credential())
        if fetched.status >= 400:
            _raise_for_status(fetched.status, fetched.content.decode(errors="replace"))
        if ref.kind is MediaKind.FAX:
            return as_download(fetched, "Bulutfon", FAX_TYPES, "a fax")
        return as_download(fetched, "Bulutfon", RECORDING_TYPES, "a recording")

    # ---- call back -----------------------------------------------------------------------------

    async def async_call_back(self, extension: str, number: str, caller_id: str | None = None) -> str:
        """Ring one of the PBX's extensions, then connect it to a number; return Bulutfon's message.

        v2: `POST /v2/pbx/call-and-bridge` (extension, destination). v1: `POST /call_and_bridge.json`
        with the PBX number to call from (`caller`), the number (`callee`) and the extension.
        """
        if self.api_version == "v2":
            form = {"apikey": self._token, "extension": extension, "destination": number}
            status, text = await self._api.request("POST", "/v2/pbx/call-and-bridge", data=form)
        else:
            if not caller_id:
                raise RequestValidationError(
                    "API v1 needs the PBX number to call from (caller ID)", key="caller_id_needed"
                )
            query = {
                "access_token": self._token,
                "caller": caller_id,
                "callee": number,
                "destination": extension,
            }
            status, text = await self._api.request("POST", "/call_and_bridge.json", params=query)
        _raise_for_status(status, text)
        body = _json_object(text) if text.strip() else {}
        if body.get("success") is False:
            raise ProviderError(_error_text(text) or "the call was not started")
        return text_or_none(body.get("message")) or "OK"

    # ---- transport -----------------------------------------------------------------------------

    def _credential(self) -> dict[str, str]:
        return {"apikey" if self.api_version == "v2" else "access_token": self._token}

    async def _get(self, path: str, **params: Any) -> dict[str, Any]:
        credential = {"apikey": self._token} if path.startswith("/v2/") else {"access_token": self._token}
        status, text = await self._api.request("GET", path, params={**params, **credential})
        _raise_for_status(status, text)
        return _json_object(text)


def _json_object(text: str) -> dict[str, Any]:
    try:
        body = json.loads(text)
    except (ValueError, RecursionError) as err:
        raise ProviderError("the answer is not JSON") from err
    if not isinstance(body, dict):
        raise ProviderError("the answer is an unexpected JSON document")
    return body


def _rows(body: dict[str, Any]) -> list[dict[str, JsonValue]]:
    rows = body.get("data")
    return [as_object(row) for row in rows] if isinstance(rows, list) else []


def _cdr_path(link: Any) -> str | None:
    """Return the path of a hang-up's `cdr_api_url` (`/v2/cdr/YYYY/MM/DD/<uuid>`), whatever its host."""
    if not isinstance(link, str):
        return None
    path = urlsplit(link).path
    return path if _CDR_PATH.fullmatch(path) else None


def _raise_for_status(status: int, text: str) -> None:
    """Raise for an HTTP error of Bulutfon's, with its reason where the body gives one."""
    if status in (401, 403):
        raise AuthError(_error_text(text) or "the API token was refused")
    if status == 429:
        raise RateLimitedError("the request limit was reached; try again later", "429")
    if status >= 500:
        raise server_error(status)
    if status >= 400:
        raise ProviderError(_error_text(text) or f"the API answered HTTP {status}")


def _error_text(text: str) -> str | None:
    """Pull a readable reason out of an error body (`{"error": …}` or `{"message": …}`)."""
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if isinstance(body, dict):
        for key in ("error_description", "message", "error"):
            if reason := text_or_none(body.get(key)):
                return reason
    return None


def parse_webhook(request: WebhookRequest) -> list[TelephonyEvent]:
    """Turn one Bulutfon webhook POST (JSON or form) into contract events.

    Unknown event types are skipped (Bulutfon may add some); a body without `event_type` or
    `uuid` is refused, because it can be neither classified nor de-duplicated.
    """
    events: list[TelephonyEvent] = []
    for item in as_items(decode_body(request.body, request.content_type)):
        event = _parse_item(item, request.region)
        if event is not None:
            events.append(event)
    return events


def _parse_item(item: dict[str, JsonValue], region: str | None) -> TelephonyEvent | None:
    raw_type = text_or_none(item.get("event_type"))
    if raw_type is None:
        raise PayloadError("event_type is missing")
    uuid = text_or_none(item.get("uuid"))
    if uuid is None:
        raise PayloadError("uuid is missing")
    event_type = _EVENT_TYPES.get(raw_type.lower())
    if event_type is None:
        return None
    cdr = _cdr(item.get("cdr"))
    destination = text_or_none(item.get("destination"))
    extra: dict[str, Any] = {
        "provider_event": raw_type,
        "destination": destination,
        "account_id": text_or_none(item.get("account_id")),
        "domain_id": text_or_none(item.get("domain_id")),
        "autodial": item.get("autodial") in (True, "true", "1", 1),
    }
    status: str | None = None
    duration: int | None = None
    if event_type is EventType.CALL_STARTED:
        extra["stage"] = _CALL_STARTED_STAGES[raw_type.lower()]
    elif event_type in (EventType.CALL_ENDED, EventType.MISSED_CALL):
        duration, answered = _talk_time(item, cdr)
        # A missed call was not answered by a person even when a menu picked it up first.
        answered = answered and event_type is EventType.CALL_ENDED
        status = "answered" if answered else "not_answered"
        extra.update(_hangup_details(item, cdr))
    return TelephonyEvent(
        type=event_type,
        provider=PROVIDER,
        dedupe_key=f"{uuid}:{raw_type.lower()}:{destination or ''}",
        call_id=uuid,
        caller=normalize_number(text_or_none(item.get("caller")), region),
        callee=normalize_number(text_or_none(item.get("callee")), region),
        direction=_DIRECTIONS.get((text_or_none(item.get("direction")) or "").upper()),
        status=status,
        duration=duration,
        occurred_at=_timestamp(item.get("timestamp")) or _iso(cdr.get("hangup_time")),
        raw=item,
        extra=extra,
    )


def _cdr(value: JsonValue) -> dict[str, JsonValue]:
    """Return the nested CDR: an object, or the same sent as a JSON string in form mode."""
    if isinstance(value, str):
        try:
            value = decode_json(value)
        except PayloadError:
            return {}
    return as_object(value)


def _talk_time(item: dict[str, JsonValue], cdr: dict[str, JsonValue]) -> tuple[int | None, bool]:
    """Return (talk seconds, answered by a person) from the flat 2021 fields, else from the CDR.

    A welcome menu answers the call, so listening to it counts as talk time: `result_disposition`
    (`SUCCESS`, or empty) tells whether an extension or the callee was connected. Only a post
    without that field at all falls back to talk time.
    """
    talk = int_or_none(item.get("talk_duration"))
    if "result_disposition" in item:
        disposition = (text_or_none(item.get("result_disposition")) or "").upper()
        return talk, disposition == "SUCCESS"
    if talk is not None:
        return talk, talk > 0
    answer_time, hangup_time = _iso(cdr.get("answer_time")), _iso(cdr.get("hangup_time"))
    if answer_time and hangup_time:
        talk = max(0, round((hangup_time - answer_time).total_seconds()))
    callflow = cdr.get("callflow")
    legs = [as_object(leg) for leg in callflow] if isinstance(callflow, list) else []
    if not legs:
        return talk, answer_time is not None
    # The CDR's answer time is the PBX's; a menu picking the call up is not a person answering it.
    answered = any(
        _iso(leg.get("answer_time")) is not None
        and "MENU" not in (text_or_none(leg.get("redirection")) or "").upper()
        for leg in legs
    )
    return talk, answered


def _hangup_details(item: dict[str, JsonValue], cdr: dict[str, JsonValue]) -> dict[str, Any]:
    call_record = cdr.get("call_record")
    recording = text_or_none(call_record) if isinstance(call_record, str) else None
    call_time = _iso(cdr.get("call_time"))
    answer_time = _iso(cdr.get("answer_time"))
    return {
        "hangup_cause": text_or_none(item.get("hangup_cause")) or text_or_none(cdr.get("hangup_cause")),
        "hangup_detail": (
            text_or_none(item.get("hangup_detail")) or text_or_none(cdr.get("sip_hangup_disposition"))
        ),
        "result_disposition": text_or_none(item.get("result_disposition")),
        "call_type": text_or_none(cdr.get("bf_calltype")),
        "call_time": call_time.isoformat() if call_time else None,
        "answer_time": answer_time.isoformat() if answer_time else None,
        "recording_url": recording if recording and recording.startswith("http") else None,
        # `call_record`: false, or true / a link when the call was recorded (then it can be fetched).
        "recorded": _recorded(call_record) if "call_record" in cdr else None,
        "cdr_url": text_or_none(item.get("cdr_url")),
        "cdr_api_url": text_or_none(item.get("cdr_api_url")),
    }


def _recorded(value: JsonValue) -> bool:
    """Read `call_record`: true or a link when recorded; false, "NO", "false", "0" or empty when not."""
    if isinstance(value, bool):
        return value
    text = (text_or_none(value) or "").lower()
    return text.startswith("http") or text in ("true", "1", "yes")


def _timestamp(value: JsonValue) -> datetime | None:
    """Bulutfon sends epoch microseconds; milliseconds and seconds are accepted too."""
    number = int_or_none(value)
    if number is None or number <= 0:
        return None
    if number > 10**14:
        seconds = number / 1_000_000
    elif number > 10**11:
        seconds = number / 1_000
    else:
        seconds = float(number)
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _iso(value: JsonValue) -> datetime | None:
    text = text_or_none(value)
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


# The examples of Bulutfon's webhook documentation, as written there (tests/fixtures/bulutfon/
# seed_*.json); a try gets a new call id, and its times are moved to the try's moment.
_DOCUMENTED_HANGUP: Final[dict[str, JsonValue]] = {
    "caller": 90532000000,
    "callee": 908508850000,
    "uuid": "f615986c-2001-11e5-bdee-6599352d46ce",
    "timestamp": 1435762855286302,
    "hangup_cause": "NORMAL_CLEARING",
    "direction": "IN",
    "cdr": {
        "uuid": "f615986c-2001-11e5-bdee-6599352d46ce",
        "bf_calltype": "voice",
        "bf_direction": "IN",
        "bf_caller": 905326200000,
        "bf_callee": 908508850000,
        "call_time": "2015-07-01T18:00:51+03:00",
        "answer_time": "2015-07-01T18:00:51+03:00",
        "hangup_time": "2015-07-01T18:00:55+03:00",
        "call_record": False,
        "hangup_cause": "NORMAL_CLEARING",
        "sip_hangup_disposition": "recv_bye",
        "callflow": [
            {
                "callee": 908508850000,
                "start_time": "2015-07-01T18:00:51+03:00",
                "answer_time": None,
                "hangup_time": None,
                "redirection": "REDIRECTED_TO_MENU",
                "redirection_target": 99,
            },
            {
                "callee": 99,
                "start_time": "2015-07-01T18:00:51+03:00",
                "answer_time": "2015-07-01T18:00:51+03:00",
                "hangup_time": "2015-07-01T18:00:55+03:00",
                "redirection": "CONNECTING_TO_MENU",
            },
        ],
    },
}
_DOCUMENTED_CALL_INIT: Final[dict[str, JsonValue]] = {
    "event_type": "call_init",
    "caller": 90532000000,
    "callee": 908508850000,
    "uuid": "f615986c-2001-11e5-bdee-6599352d46ce",
    "direction": "IN",
    "timestamp": 1435762851086820,
}
_DOCUMENTED_FAX: Final[dict[str, JsonValue]] = {
    "event_type": "fax_init",
    "caller": 905326200000,
    "callee": 908508850000,
    "uuid": "kkk919b-aaaa-aaaa-bbbb-ccccccfd40ee",
    "direction": "IN",
    "timestamp": 1450458620079404,
}
_SAMPLE_IDS: Final = {"uuid": new_uuid}
_SAMPLE_TIMES: Final = {
    "timestamp": moved_micros,
    **dict.fromkeys(("call_time", "answer_time", "hangup_time", "start_time"), moved_iso),
}


def _sample(name: str, document: dict[str, JsonValue]) -> Sample:
    return documented_sample(name, document, parse_webhook, ids=_SAMPLE_IDS, times=_SAMPLE_TIMES)


SAMPLES: Final = (
    _sample("missed_call", {"event_type": "missing_call", **_DOCUMENTED_HANGUP}),
    _sample("call_started", _DOCUMENTED_CALL_INIT),
    _sample("call_ended", {"event_type": "call_hangup", **_DOCUMENTED_HANGUP}),
    _sample("incoming_fax", _DOCUMENTED_FAX),
)


# The keys of the entry's data.
ACCOUNT_NAME: Final = "account_name"
API_TOKEN: Final = "api_token"


def _client(session: aiohttp.ClientSession, data: Mapping[str, Any]) -> BulutfonClient | None:
    if not (token := data.get(API_TOKEN)):
        return None
    return BulutfonClient(session, token, base_url=data.get(SETTING_BASE_URL))


def _account_id(account: BulutfonAccount) -> str | None:
    return account.pbx_url or account.pbx_name


SPEC: Final = ProviderSpec(
    id=PROVIDER,
    brand="Bulutfon",
    model="Cloud PBX",
    configuration_url="https://oim.bulutfon.com",
    fields=(
        # Without an API token the account only receives the PBX's webhook.
        Field(key=ACCOUNT_NAME, identity=True, case_sensitive=False),
        Field(key=API_TOKEN, kind=FieldKind.SECRET, required=False),
    ),
    title="{account_name}",
    default_country="TR",
    event_types=EVENT_TYPES,
    parse_webhook=parse_webhook,
    create_client=_client,
    capabilities=frozenset({MEDIA, CALL_BACK}),
    secret_key=API_TOKEN,
    account_id=_account_id,
    webhook_basic_auth=True,
    samples=SAMPLES,
)
