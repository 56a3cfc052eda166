"""Domain actions; every one names the account with `config_entry_id`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util

from .api import (
    AUDIO_LIBRARY,
    CALL_BACK,
    CAMPAIGN,
    QUEUES,
    RESULT_POLLING,
    RING,
    SMS,
    VOICE_CANCEL,
    VOICE_CODE,
    VOICE_MESSAGE,
    Campaign,
    Capability,
    IysFilter,
    PlacedCalls,
    Prompt,
    RequestValidationError,
    SmsOptions,
    TelephonyClient,
    VoiceCode,
    VoiceMessage,
)
from .compat import vol
from .const import ATTR_CONFIG_ENTRY_ID, DOMAIN, LOGGER
from .data import TelephonyConfigEntry
from .escalation import Escalation, async_channels, async_escalate
from .messaging import (
    async_call_provider,
    async_place_calls,
    async_send_sms,
    client_for,
    normalized,
    translated_error,
)
from .pipeline import async_accept_events
from .queues import call_ids_of
from .store import StoreUnavailableError
from .tryout import SERVICE_SEND_TEST_EVENT, async_send_test_event

SERVICE_SEND_SMS: Final = "send_sms"
SERVICE_SEND_VOICE_MESSAGE: Final = "send_voice_message"
SERVICE_SEND_VOICE_CODE: Final = "send_voice_code"
SERVICE_CANCEL_VOICE_MESSAGE: Final = "cancel_voice_message"
SERVICE_GET_VOICE_MESSAGE_REPORT: Final = "get_voice_message_report"
SERVICE_UPLOAD_AUDIO: Final = "upload_audio"
SERVICE_LIST_AUDIO: Final = "list_audio"
SERVICE_RING: Final = "ring"
SERVICE_START_CAMPAIGN: Final = "start_campaign"
SERVICE_KICK_QUEUE_CALLERS: Final = "kick_queue_callers"
SERVICE_CALL_BACK: Final = "call_back"
SERVICE_ESCALATE: Final = "escalate"

ATTR_TO: Final = "to"
ATTR_MESSAGE: Final = "message"
ATTR_SENDER_ID: Final = "sender_id"
ATTR_SENDER_ID_VALUE: Final = "sender_id_value"
ATTR_UNICODE: Final = "unicode"
ATTR_SCHEDULE: Final = "schedule"
ATTR_DUPLICATES_CHECK: Final = "duplicates_check"
ATTR_AUDIO_ID: Final = "audio_id"
ATTR_SERIES: Final = "series"
ATTR_KEYS: Final = "keys"
ATTR_RING_TIME: Final = "ring_time"
ATTR_START: Final = "start"
ATTR_END: Final = "end"
ATTR_IYS_FILTER: Final = "iys_filter"
ATTR_OTP: Final = "otp"
ATTR_RELATION_ID: Final = "relation_id"
ATTR_TEMPLATE_ID: Final = "template_id"
ATTR_WAIT_FOR_RESULT: Final = "wait_for_result"
ATTR_TIMEOUT: Final = "timeout"
ATTR_CODE: Final = "code"
ATTR_LANGUAGE: Final = "language"
ATTR_MESSAGE_ID: Final = "message_id"
ATTR_REPEAT: Final = "repeat"
ATTR_PRE_TONE: Final = "pre_tone"
ATTR_POST_TONE: Final = "post_tone"
ATTR_CALLER_ID: Final = "caller_id"
ATTR_RANDOM_CALLER_ID: Final = "random_caller_id"
ATTR_SECONDS: Final = "seconds"
ATTR_IVR_PATH: Final = "ivr_path"
ATTR_PATH: Final = "path"
ATTR_QUEUE: Final = "queue"
ATTR_NUMBERS: Final = "numbers"
ATTR_CALL_IDS: Final = "call_ids"
ATTR_TARGET: Final = "target"
ATTR_EXTENSION: Final = "extension"
ATTR_SAMPLE: Final = "sample"
ATTR_ACKNOWLEDGE_KEY: Final = "acknowledge_key"
ATTR_ACKNOWLEDGED_MESSAGE: Final = "acknowledged_message"
ATTR_CALL_TIMEOUT: Final = "call_timeout"
ATTR_ROUNDS: Final = "rounds"
ATTR_SMS_MESSAGE: Final = "sms_message"

# More recipients than this belong in a provider's bulk campaign tool, not an automation.
MAX_RECIPIENTS: Final = 100
DEFAULT_TIMEOUT: Final = 120
MAX_TIMEOUT: Final = 3600
# An escalation calls one person at a time: each has this long (seconds) to press the key.
DEFAULT_CALL_TIMEOUT: Final = 120
MIN_CALL_TIMEOUT: Final = 60
MAX_CALL_TIMEOUT: Final = 900
MAX_ESCALATION_PEOPLE: Final = 20
MAX_ROUNDS: Final = 5
ESCALATION_RING_TIME: Final = 30

RECIPIENTS = vol.All(cv.ensure_list_csv, [cv.string], vol.Length(min=1, max=MAX_RECIPIENTS))
PROMPT = vol.Schema(
    vol.Any(
        {vol.Required("text"): cv.string},
        {vol.Required(ATTR_AUDIO_ID): cv.string},
    )
)
# A key with nothing to play after it (null): a key press that is only collected.
KEY_PROMPT = vol.Any(None, cv.string, PROMPT)
WAIT_FIELDS: Final[dict[vol.Marker, Any]] = {
    vol.Optional(ATTR_WAIT_FOR_RESULT, default=False): cv.boolean,
    vol.Optional(ATTR_TIMEOUT, default=DEFAULT_TIMEOUT): vol.All(
        vol.Coerce(int), vol.Range(min=1, max=MAX_TIMEOUT)
    ),
}

SEND_SMS_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_TO): RECIPIENTS,
        vol.Required(ATTR_MESSAGE): cv.string,
        vol.Optional(ATTR_SENDER_ID): cv.string,
        vol.Optional(ATTR_SENDER_ID_VALUE): cv.string,
        vol.Optional(ATTR_UNICODE): cv.boolean,
        vol.Optional(ATTR_SCHEDULE): cv.datetime,
        vol.Optional(ATTR_DUPLICATES_CHECK, default=False): cv.boolean,
        vol.Optional(ATTR_IYS_FILTER): vol.Coerce(IysFilter),
        vol.Optional(ATTR_OTP, default=False): cv.boolean,
    }
)
SEND_VOICE_MESSAGE_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_TO): RECIPIENTS,
        vol.Exclusive(ATTR_MESSAGE, "content"): cv.string,
        vol.Exclusive(ATTR_AUDIO_ID, "content"): cv.string,
        vol.Exclusive(ATTR_SERIES, "content"): vol.All(cv.ensure_list, [PROMPT], vol.Length(min=1, max=20)),
        vol.Optional(ATTR_KEYS): {vol.Coerce(str): KEY_PROMPT},
        vol.Optional(ATTR_RING_TIME, default=30): vol.All(vol.Coerce(int), vol.Range(min=10, max=30)),
        vol.Optional(ATTR_START): cv.datetime,
        vol.Optional(ATTR_END): cv.datetime,
        vol.Optional(ATTR_IYS_FILTER): vol.Coerce(IysFilter),
        vol.Optional(ATTR_RELATION_ID): cv.string,
        vol.Optional(ATTR_TEMPLATE_ID): cv.string,
        **WAIT_FIELDS,
    }
)
SEND_VOICE_CODE_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_TO): cv.string,
        vol.Required(ATTR_CODE): vol.All(vol.Coerce(str), vol.Match(r"^\d{1,12}$")),
        vol.Optional(ATTR_LANGUAGE): cv.string,
        vol.Optional(ATTR_REPEAT): vol.All(vol.Coerce(int), vol.Range(min=0, max=9)),
        vol.Optional(ATTR_PRE_TONE): cv.string,
        vol.Optional(ATTR_POST_TONE): cv.string,
        **WAIT_FIELDS,
    }
)
MESSAGE_ID_SCHEMA: Final = vol.Schema(
    {vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string, vol.Required(ATTR_MESSAGE_ID): vol.Coerce(str)}
)
UPLOAD_AUDIO_SCHEMA: Final = vol.Schema(
    {vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string, vol.Required(ATTR_PATH): cv.string}
)
RING_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_TO): RECIPIENTS,
        vol.Exclusive(ATTR_CALLER_ID, "caller"): cv.string,
        vol.Exclusive(ATTR_RANDOM_CALLER_ID, "caller"): cv.boolean,
        vol.Optional(ATTR_SECONDS): vol.All(vol.Coerce(int), vol.Range(min=1, max=60)),
    }
)
START_CAMPAIGN_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_TO): vol.All(cv.ensure_list_csv, [cv.string], vol.Length(min=1, max=500)),
        vol.Required(ATTR_IVR_PATH): cv.string,
        vol.Optional(ATTR_CALLER_ID): cv.string,
        vol.Optional(ATTR_SECONDS): vol.All(vol.Coerce(int), vol.Range(min=1, max=35)),
    }
)
KICK_QUEUE_CALLERS_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_QUEUE): cv.string,
        vol.Optional(ATTR_NUMBERS): RECIPIENTS,
        vol.Optional(ATTR_CALL_IDS): vol.All(cv.ensure_list_csv, [cv.string]),
        vol.Optional(ATTR_TARGET): cv.string,
    }
)
CALL_BACK_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_EXTENSION): vol.All(vol.Coerce(str), vol.Match(r"^\d{2,6}$")),
        vol.Required(ATTR_TO): cv.string,
        vol.Optional(ATTR_CALLER_ID): cv.string,
    }
)
SEND_TEST_EVENT_SCHEMA: Final = vol.Schema(
    {vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string, vol.Optional(ATTR_SAMPLE): cv.string}
)


def _without_blanks(numbers: list[str]) -> list[str]:
    """Drop the empty lines the action editor sends for a list field."""
    return [number for number in numbers if number.strip()]


ESCALATE_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_NUMBERS): vol.All(
            cv.ensure_list_csv, [cv.string], _without_blanks, vol.Length(min=1, max=MAX_ESCALATION_PEOPLE)
        ),
        vol.Exclusive(ATTR_MESSAGE, "content"): cv.string,
        vol.Exclusive(ATTR_AUDIO_ID, "content"): cv.string,
        vol.Exclusive(ATTR_SERIES, "content"): vol.All(cv.ensure_list, [PROMPT], vol.Length(min=1, max=20)),
        vol.Optional(ATTR_TEMPLATE_ID): cv.string,
        vol.Optional(ATTR_ACKNOWLEDGE_KEY, default="1"): vol.All(vol.Coerce(str), vol.Match(r"^\d$")),
        vol.Optional(ATTR_ACKNOWLEDGED_MESSAGE): cv.string,
        vol.Optional(ATTR_CALL_TIMEOUT, default=DEFAULT_CALL_TIMEOUT): vol.All(
            vol.Coerce(int), vol.Range(min=MIN_CALL_TIMEOUT, max=MAX_CALL_TIMEOUT)
        ),
        vol.Optional(ATTR_ROUNDS, default=1): vol.All(vol.Coerce(int), vol.Range(min=1, max=MAX_ROUNDS)),
        vol.Optional(ATTR_SMS_MESSAGE): cv.string,
    }
)
LIST_AUDIO_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Optional(ATTR_START): cv.datetime,
        vol.Optional(ATTR_END): cv.datetime,
    }
)


def loaded_entry(call: ServiceCall) -> TelephonyConfigEntry:
    """Return the entry an action names, or refuse the action with a translated reason."""
    entry_id = call.data[ATTR_CONFIG_ENTRY_ID]
    entry: TelephonyConfigEntry | None = call.hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_found",
            translation_placeholders={"entry_id": entry_id},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_loaded",
            translation_placeholders={"account": entry.title},
        )
    return entry


def _prompt(value: str | dict[str, str]) -> Prompt:
    if isinstance(value, str):
        return Prompt(text=value)
    return Prompt(text=value.get("text"), audio_id=value.get(ATTR_AUDIO_ID))


def _voice_message(data: dict[str, Any], numbers: list[str]) -> VoiceMessage:
    """Build the message from the action's fields; invalid combinations are refused, translated."""
    if ATTR_SERIES in data:
        prompts = [_prompt(item) for item in data[ATTR_SERIES]]
    elif ATTR_AUDIO_ID in data:
        prompts = [Prompt(audio_id=data[ATTR_AUDIO_ID])]
    elif ATTR_MESSAGE in data:
        prompts = [Prompt(text=data[ATTR_MESSAGE])]
    else:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="voice_content_missing")
    return VoiceMessage(
        numbers=numbers,
        prompts=prompts,
        keys={
            digit: None if value is None else _prompt(value)
            for digit, value in data.get(ATTR_KEYS, {}).items()
        },
        ring_time=data[ATTR_RING_TIME],
        start=_aware(data.get(ATTR_START)),
        end=_aware(data.get(ATTR_END)),
        iys_filter=data.get(ATTR_IYS_FILTER),
        relation_id=data.get(ATTR_RELATION_ID),
        template_id=data.get(ATTR_TEMPLATE_ID),
    )


def _aware(moment: datetime | None) -> datetime | None:
    """Read a naive time as Home Assistant's local time."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt_util.get_default_time_zone())


def _wait_seconds(data: dict[str, Any]) -> float | None:
    return float(data[ATTR_TIMEOUT]) if data[ATTR_WAIT_FOR_RESULT] else None


async def _send_sms(call: ServiceCall) -> ServiceResponse:
    hass = call.hass
    entry = loaded_entry(call)
    client = client_for(entry, SMS, SERVICE_SEND_SMS)
    settings = entry.runtime_data.settings(hass, entry)
    options = SmsOptions(
        country=settings.region,
        sender_id=call.data.get(ATTR_SENDER_ID),
        sender_id_value=call.data.get(ATTR_SENDER_ID_VALUE),
        unicode=call.data.get(ATTR_UNICODE),
        schedule=_aware(call.data.get(ATTR_SCHEDULE)),
        duplicates_check=call.data[ATTR_DUPLICATES_CHECK],
        iys_filter=call.data.get(ATTR_IYS_FILTER),
        otp=call.data[ATTR_OTP],
    )
    return await async_send_sms(hass, entry, client, call.data[ATTR_TO], call.data[ATTR_MESSAGE], options)


async def _send_voice_message(call: ServiceCall) -> ServiceResponse:
    hass = call.hass
    entry = loaded_entry(call)
    client = client_for(entry, VOICE_MESSAGE, SERVICE_SEND_VOICE_MESSAGE)
    numbers = normalized(hass, entry, call.data[ATTR_TO])
    try:
        message = _voice_message(dict(call.data), numbers)
    except RequestValidationError as err:
        raise translated_error(hass, entry, err) from err

    def send(callback_url: str | None) -> Awaitable[PlacedCalls]:
        return client.async_send_voice_message(replace(message, callback_url=callback_url))

    return await async_place_calls(hass, entry, numbers, send, wait_seconds=_wait_seconds(dict(call.data)))


async def _send_voice_code(call: ServiceCall) -> ServiceResponse:
    hass = call.hass
    entry = loaded_entry(call)
    client = client_for(entry, VOICE_CODE, SERVICE_SEND_VOICE_CODE)
    numbers = normalized(hass, entry, [call.data[ATTR_TO]])

    def send(callback_url: str | None) -> Awaitable[PlacedCalls]:
        return client.async_send_voice_code(
            VoiceCode(
                to=numbers[0],
                code=call.data[ATTR_CODE],
                # Unset: the provider's own language, the one its callees most likely speak.
                language=call.data.get(ATTR_LANGUAGE),
                repeat=call.data.get(ATTR_REPEAT),
                pre_tone=call.data.get(ATTR_PRE_TONE),
                post_tone=call.data.get(ATTR_POST_TONE),
                callback_url=callback_url,
            )
        )

    return await async_place_calls(hass, entry, numbers, send, wait_seconds=_wait_seconds(dict(call.data)))


async def _cancel_voice_message(call: ServiceCall) -> None:
    hass = call.hass
    entry = loaded_entry(call)
    client = client_for(entry, VOICE_CANCEL, SERVICE_CANCEL_VOICE_MESSAGE)
    await async_call_provider(hass, entry, client.async_cancel_voice_message(call.data[ATTR_MESSAGE_ID]))


async def _get_voice_message_report(call: ServiceCall) -> ServiceResponse:
    hass = call.hass
    entry = loaded_entry(call)
    client = client_for(entry, RESULT_POLLING, SERVICE_GET_VOICE_MESSAGE_REPORT)
    region = entry.runtime_data.settings(hass, entry).region
    events = await async_call_provider(
        hass, entry, client.async_poll_results([call.data[ATTR_MESSAGE_ID]], region)
    )
    # Outcomes the webhook has not brought yet become events too (each only once).
    try:
        await async_accept_events(hass, entry, events)
    except StoreUnavailableError as err:
        # The outcomes are returned all the same; the next report or poll records them.
        LOGGER.warning("Could not record the reported outcomes: %s", err)
    return {
        "results": [
            {
                "to": event.callee,
                "status": event.status,
                "key_pressed": event.key_pressed,
                "duration": event.duration,
            }
            for event in events
        ]
    }


async def _upload_audio(call: ServiceCall) -> ServiceResponse:
    hass = call.hass
    entry = loaded_entry(call)
    client = client_for(entry, AUDIO_LIBRARY, SERVICE_UPLOAD_AUDIO)
    path = Path(call.data[ATTR_PATH])
    if not hass.config.is_allowed_path(str(path)):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="path_not_allowed",
            translation_placeholders={"path": str(path)},
        )
    try:
        content = await hass.async_add_executor_job(path.read_bytes)
    except OSError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="file_unreadable",
            translation_placeholders={"path": str(path), "reason": err.strerror or str(err)},
        ) from err
    audio_id = await async_call_provider(hass, entry, client.async_upload_audio(path.name, content))
    return {"audio_id": audio_id}


async def _list_audio(call: ServiceCall) -> ServiceResponse:
    hass = call.hass
    entry = loaded_entry(call)
    client = client_for(entry, AUDIO_LIBRARY, SERVICE_LIST_AUDIO)
    end = _aware(call.data.get(ATTR_END)) or dt_util.now()
    start = _aware(call.data.get(ATTR_START)) or end - timedelta(days=30)
    files = await async_call_provider(hass, entry, client.async_list_audio(start, end))
    return {
        "audio": [
            {
                "audio_id": file.audio_id,
                "sender": file.sender,
                "uploaded_at": file.uploaded_at.isoformat() if file.uploaded_at else None,
                "duration": file.duration,
                "url": file.url,
            }
            for file in files
        ]
    }


def _campaign_response(campaign: Campaign) -> dict[str, Any]:
    return {
        "campaign_id": campaign.campaign_id,
        "calls": campaign.calls,
        "caller_id": campaign.caller_id,
        "errors": campaign.errors,
    }


async def _async_campaign[ClientT: TelephonyClient](
    call: ServiceCall,
    capability: Capability[ClientT],
    action: str,
    start: Callable[[ClientT, list[str]], Awaitable[Campaign]],
) -> Campaign:
    """Start a provider's campaign to the action's numbers with the entry's client."""
    entry = loaded_entry(call)
    client = client_for(entry, capability, action)
    return await async_call_provider(
        call.hass, entry, start(client, normalized(call.hass, entry, call.data[ATTR_TO]))
    )


async def _ring(call: ServiceCall) -> ServiceResponse:
    campaign = await _async_campaign(
        call,
        RING,
        SERVICE_RING,
        lambda client, numbers: client.async_ring(
            numbers,
            caller_id=call.data.get(ATTR_CALLER_ID),
            random_caller_id=call.data.get(ATTR_RANDOM_CALLER_ID, False),
            seconds=call.data.get(ATTR_SECONDS),
        ),
    )
    # With a random caller id, its last digits are the code the person sees.
    return {**_campaign_response(campaign), "code": campaign.verify_code}


async def _start_campaign(call: ServiceCall) -> ServiceResponse:
    campaign = await _async_campaign(
        call,
        CAMPAIGN,
        SERVICE_START_CAMPAIGN,
        lambda client, numbers: client.async_start_campaign(
            numbers,
            call.data[ATTR_IVR_PATH],
            caller_id=call.data.get(ATTR_CALLER_ID),
            seconds=call.data.get(ATTR_SECONDS),
        ),
    )
    return _campaign_response(campaign)


async def _kick_queue_callers(call: ServiceCall) -> ServiceResponse:
    """Take waiting callers out of a queue, named by call id or by number (looked up in the queue now)."""
    entry = loaded_entry(call)
    client = client_for(entry, QUEUES, SERVICE_KICK_QUEUE_CALLERS)
    path = entry.runtime_data.provider.normalize_path(call.data[ATTR_QUEUE])
    # The action editor sends an empty line for a list field left blank.
    call_ids = [call_id for call_id in call.data.get(ATTR_CALL_IDS, []) if call_id.strip()]
    numbers = [number for number in call.data.get(ATTR_NUMBERS, []) if number.strip()]
    if not call_ids and not numbers:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="queue_callers_missing")
    if numbers:
        queue = await async_call_provider(call.hass, entry, client.async_get_queue(path))
        call_ids += call_ids_of(queue, entry.runtime_data.settings(call.hass, entry), numbers)
    if not call_ids:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="nobody_waiting",
            translation_placeholders={"queue": path, "numbers": ", ".join(numbers)},
        )
    outcomes = await async_call_provider(
        call.hass, entry, client.async_kick_queue_callers(path, call_ids, call.data.get(ATTR_TARGET))
    )
    if (queues := entry.runtime_data.queues) is not None and path in queues.paths:
        await queues.async_refresh()
    return {"results": dict(outcomes.items())}


async def _call_back(call: ServiceCall) -> ServiceResponse:
    """Ring one of the PBX's extensions and connect it to the number (a missed call's "call back")."""
    entry = loaded_entry(call)
    client = client_for(entry, CALL_BACK, SERVICE_CALL_BACK)
    number = normalized(call.hass, entry, [call.data[ATTR_TO]])[0]
    message = await async_call_provider(
        call.hass,
        entry,
        client.async_call_back(call.data[ATTR_EXTENSION], number, call.data.get(ATTR_CALLER_ID)),
    )
    return {"message": message, "to": number}


async def _send_test_event(call: ServiceCall) -> ServiceResponse:
    """Send one of the provider's documented samples as a test event, to try automations with."""
    return await async_send_test_event(call.hass, loaded_entry(call), call.data.get(ATTR_SAMPLE))


async def _escalate(call: ServiceCall) -> ServiceResponse:
    """Call people in order until one presses the acknowledging key; optionally text them all."""
    hass = call.hass
    entry = loaded_entry(call)
    sms_message = (call.data.get(ATTR_SMS_MESSAGE) or "").strip() or None
    # Refused before anything else is checked; each call checks again (a reload may change it).
    await async_channels(hass, entry, sms=sms_message is not None)
    numbers = normalized(hass, entry, call.data[ATTR_NUMBERS])
    key = call.data[ATTR_ACKNOWLEDGE_KEY]
    # A key menu of the one key: the call waits for it (and reads the thanks, where given).
    thanks = (call.data.get(ATTR_ACKNOWLEDGED_MESSAGE) or "").strip() or None
    fields = {**call.data, ATTR_KEYS: {key: thanks}, ATTR_RING_TIME: ESCALATION_RING_TIME}
    try:
        message = _voice_message(fields, numbers)
    except RequestValidationError as err:
        raise translated_error(hass, entry, err) from err
    escalation = Escalation(
        numbers=numbers,
        message=message,
        acknowledge_key=key,
        call_timeout=float(call.data[ATTR_CALL_TIMEOUT]),
        rounds=call.data[ATTR_ROUNDS],
        sms_message=sms_message,
    )
    return await async_escalate(hass, entry, escalation)


ACTIONS: Final = (
    (SERVICE_SEND_SMS, _send_sms, SEND_SMS_SCHEMA, SupportsResponse.OPTIONAL),
    (SERVICE_SEND_VOICE_MESSAGE, _send_voice_message, SEND_VOICE_MESSAGE_SCHEMA, SupportsResponse.OPTIONAL),
    (SERVICE_SEND_VOICE_CODE, _send_voice_code, SEND_VOICE_CODE_SCHEMA, SupportsResponse.OPTIONAL),
    (SERVICE_CANCEL_VOICE_MESSAGE, _cancel_voice_message, MESSAGE_ID_SCHEMA, SupportsResponse.NONE),
    (SERVICE_GET_VOICE_MESSAGE_REPORT, _get_voice_message_report, MESSAGE_ID_SCHEMA, SupportsResponse.ONLY),
    (SERVICE_UPLOAD_AUDIO, _upload_audio, UPLOAD_AUDIO_SCHEMA, SupportsResponse.OPTIONAL),
    (SERVICE_LIST_AUDIO, _list_audio, LIST_AUDIO_SCHEMA, SupportsResponse.ONLY),
    (SERVICE_RING, _ring, RING_SCHEMA, SupportsResponse.OPTIONAL),
    (SERVICE_START_CAMPAIGN, _start_campaign, START_CAMPAIGN_SCHEMA, SupportsResponse.OPTIONAL),
    (SERVICE_KICK_QUEUE_CALLERS, _kick_queue_callers, KICK_QUEUE_CALLERS_SCHEMA, SupportsResponse.OPTIONAL),
    (SERVICE_CALL_BACK, _call_back, CALL_BACK_SCHEMA, SupportsResponse.OPTIONAL),
    (SERVICE_SEND_TEST_EVENT, _send_test_event, SEND_TEST_EVENT_SCHEMA, SupportsResponse.OPTIONAL),
    (SERVICE_ESCALATE, _escalate, ESCALATE_SCHEMA, SupportsResponse.OPTIONAL),
)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the domain actions."""
    for name, handler, schema, supports_response in ACTIONS:
        hass.services.async_register(DOMAIN, name, handler, schema, supports_response)
