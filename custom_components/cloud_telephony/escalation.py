"""Escalation: call people in order until one acknowledges with a key, then tell everyone by SMS."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import timedelta
from itertools import product
from typing import Any, Final

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.translation import async_get_translations

from .api import (
    RESULT_POLLING,
    SMS,
    VOICE_MESSAGE,
    AuthError,
    CallStatus,
    EventType,
    PlacedCalls,
    ProviderError,
    ProviderSpec,
    RequestValidationError,
    SmsClient,
    SmsOptions,
    TelephonyError,
    VoiceMessage,
    VoiceMessageClient,
)
from .calls import CallTracker
from .const import DOMAIN, LOGGER
from .data import TelephonyConfigEntry, TelephonyData
from .errors import reason_of
from .hub import DATA_HUB
from .messaging import async_place_calls, async_send_sms
from .pipeline import loaded_runtime
from .public_url import async_get_callback_url

# How long an escalation waits for its account to be set up again (options saved, a reload).
RELOAD_WAIT: Final = timedelta(seconds=60)

# States an entry leaves by itself: a reload under way, or a setup that will be retried.
_COMING_BACK: Final = frozenset(
    {
        ConfigEntryState.NOT_LOADED,
        ConfigEntryState.SETUP_IN_PROGRESS,
        ConfigEntryState.SETUP_RETRY,
        ConfigEntryState.UNLOAD_IN_PROGRESS,
    }
)

# What the closing SMS says, in the server's language (English where a translation is missing).
_OUTCOME_PHRASES: Final = {
    "escalation_acknowledged": "Acknowledged by {person}.",
    "escalation_nobody": "Nobody acknowledged.",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Escalation:
    """Who is called, in order, with what, and how an acknowledgement is recognised."""

    numbers: Sequence[str]
    message: VoiceMessage
    """What each call plays; its numbers and callback URL are set per call."""
    acknowledge_key: str
    call_timeout: float
    """Seconds each person has: the call's outcome must be back by then."""
    rounds: int = 1
    sms_message: str | None = None
    """Sent at the end to everyone on the list, followed by who acknowledged (or that nobody did)."""


@dataclass(frozen=True, slots=True)
class Channels:
    """The entry's clients an escalation uses: calls, and SMS for the closing message."""

    voice: VoiceMessageClient
    sms: SmsClient | None


def _refusal(provider: ProviderSpec, *, translation_key: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=translation_key,
        translation_placeholders={"provider": provider.brand},
    )


async def async_channels(hass: HomeAssistant, entry: TelephonyConfigEntry, *, sms: bool) -> Channels:
    """Return the clients an escalation needs, or refuse it before anybody is called.

    The provider's declaration decides: it must place voice calls whose outcomes (with the key
    pressed) come back, read from a report or pushed to the webhook URL sent with each request;
    pushed only, they need an address the provider can reach. The entry must be loaded.
    """
    runtime = entry.runtime_data
    provider = runtime.provider
    voice = runtime.client_with(VOICE_MESSAGE)
    if voice is None:
        raise _refusal(provider, translation_key="escalation_no_calls")
    polled = runtime.client_with(RESULT_POLLING) is not None
    pushed = provider.callback_per_request and EventType.CALL_STATUS in provider.event_types
    if not polled and not pushed:
        raise _refusal(provider, translation_key="escalation_no_results")
    sms_client = runtime.client_with(SMS) if sms else None
    if sms and sms_client is None:
        raise _refusal(provider, translation_key="escalation_no_sms")
    if not polled and await async_get_callback_url(hass, entry) is None:
        raise _refusal(provider, translation_key="escalation_no_public_url")
    return Channels(voice, sms_client)


async def async_escalate(
    hass: HomeAssistant, entry: TelephonyConfigEntry, escalation: Escalation
) -> dict[str, Any]:
    """Call the numbers in order, round after round, until someone presses the key.

    A call the provider refuses is recorded and the next person is called; when every call
    failed, the last reason is raised (after the closing SMS, which may still get through).
    """
    provider = entry.runtime_data.provider
    hub = entry.runtime_data.hub
    total = len(escalation.numbers)
    calls: list[dict[str, Any]] = []
    failures: list[TelephonyError] = []
    acknowledged_by: str | None = None
    turns = product(range(1, escalation.rounds + 1), enumerate(escalation.numbers, 1))
    for round_number, (position, number) in turns:
        # A reload meanwhile replaced the clients: the ones of now place the next call.
        try:
            channels = await _async_channels_of_now(hass, entry)
        except ServiceValidationError as err:
            if not calls:
                raise
            # Not the caller's input: the account changed after calls were placed.
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key=err.translation_key,
                translation_placeholders=err.translation_placeholders,
            ) from err
        LOGGER.debug(
            "Escalation on %s: calling person %s of %s (round %s of %s)",
            entry.title,
            position,
            total,
            round_number,
            escalation.rounds,
        )
        call, failure = await _async_call(hass, entry, escalation, channels.voice, number)
        calls.append(call | {"round": round_number})
        LOGGER.debug(
            "Escalation on %s: person %s: status %s, key %s%s",
            entry.title,
            position,
            call["status"],
            call["key_pressed"],
            f", failed ({type(failure).__name__})" if failure else "",
        )
        if failure is not None:
            failures.append(failure)
        if call["acknowledged"]:
            acknowledged_by = number
            break
    # The contacts of now (options saved meanwhile count), also if the account unloaded meanwhile.
    name = hub.settings(entry).contacts.name_for(acknowledged_by)
    LOGGER.debug(
        "Escalation on %s: %s after %s calls",
        entry.title,
        "acknowledged" if acknowledged_by else "nobody acknowledged",
        len(calls),
    )
    response: dict[str, Any] = {
        "acknowledged_by": acknowledged_by,
        "acknowledged_by_name": name,
        "calls": calls,
    }
    if escalation.sms_message:
        person = f"{name} ({acknowledged_by})" if name else acknowledged_by
        text = f"{escalation.sms_message}\n{await _async_outcome(hass, person)}"
        # The calls' outcomes matter more than the SMS: an account gone meanwhile is reported.
        try:
            sms = (await async_loaded_runtime(hass, entry)).client_with(SMS)
        except HomeAssistantError as err:
            response["sms"] = _not_sent(str(err))
        else:
            if sms is None:
                response["sms"] = _not_sent(str(_refusal(provider, translation_key="escalation_no_sms")))
            else:
                response["sms"] = await _async_tell_everyone(hass, entry, sms, escalation.numbers, text)
    if len(failures) == len(calls):
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="escalation_failed",
            translation_placeholders={
                "provider": provider.brand,
                "count": str(len(calls)),
                "reason": reason_of(hass, failures[-1]),
            },
        ) from failures[-1]
    return response


async def _async_channels_of_now(hass: HomeAssistant, entry: TelephonyConfigEntry) -> Channels:
    """Return the clients of the entry's current setup, checked again: a reload may have changed them.

    Returned while that setup is loaded, so that the call placed next uses it.
    """
    while True:
        runtime = await async_loaded_runtime(hass, entry)
        channels = await async_channels(hass, entry, sms=False)
        if loaded_runtime(entry) is runtime:
            return channels


async def async_loaded_runtime(hass: HomeAssistant, entry: TelephonyConfigEntry) -> TelephonyData:
    """Return the entry's runtime, waiting a while for a reload to finish; raise if it does not.

    An account that cannot come back on its own (disabled, removed, its setup failed) ends the
    escalation at once.
    """
    runtime = loaded_runtime(entry)
    # Tracking ends when the account is disabled or removed (also while it is not loaded).
    if runtime is None and (tracker := hass.data[DATA_HUB].existing_call_tracker(entry.entry_id)) is not None:
        changed = asyncio.Event()
        unsubscribe_state = entry.async_on_state_change(changed.set)
        unsubscribe_end = tracker.async_on_shutdown(changed.set)
        try:
            with suppress(TimeoutError):
                async with asyncio.timeout(RELOAD_WAIT.total_seconds()):
                    while (runtime := loaded_runtime(entry)) is None and _may_come_back(entry, tracker):
                        changed.clear()
                        await changed.wait()
        finally:
            unsubscribe_state()
            unsubscribe_end()
    if runtime is None:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="entry_not_loaded",
            translation_placeholders={"account": entry.title},
        )
    return runtime


def _may_come_back(entry: TelephonyConfigEntry, tracker: CallTracker) -> bool:
    """Whether the entry is on its way back: reloading, or retrying its setup."""
    return entry.state in _COMING_BACK and not tracker.shut_down


def _outcome(
    number: str,
    call_id: str | None,
    status: str | None,
    key_pressed: str | None = None,
    duration: int | None = None,
    *,
    acknowledged: bool = False,
    error: str | None = None,
) -> dict[str, Any]:
    return {
        "number": number,
        "call_id": call_id,
        "status": status,
        "key_pressed": key_pressed,
        "acknowledged": acknowledged,
        "duration": duration,
        "error": error,
    }


async def _async_call(
    hass: HomeAssistant,
    entry: TelephonyConfigEntry,
    escalation: Escalation,
    client: VoiceMessageClient,
    number: str,
) -> tuple[dict[str, Any], TelephonyError | None]:
    """Call one person and wait for the outcome; a provider's failure is returned, not raised."""

    def send(callback_url: str | None) -> Awaitable[PlacedCalls]:
        return client.async_send_voice_message(
            replace(escalation.message, numbers=[number], callback_url=callback_url)
        )

    try:
        # The wait ends when the call's outcome is known, or as soon as the key is pressed.
        placed = await async_place_calls(
            hass,
            entry,
            [number],
            send,
            wait_seconds=escalation.call_timeout,
            until_key=escalation.acknowledge_key,
        )
    except HomeAssistantError as err:
        cause = err.__cause__
        # A message the provider cannot play, or refused credentials, fail every call alike.
        if not isinstance(cause, TelephonyError) or isinstance(cause, RequestValidationError | AuthError):
            raise
        return _outcome(number, None, CallStatus.FAILED, error=reason_of(hass, cause)), cause
    call_id = placed["message_id"]
    if refused := placed.get("errors"):
        reason = next(iter(refused.values()))
        return _outcome(number, call_id, CallStatus.FAILED, error=reason), ProviderError(reason)
    # Without an outcome by the deadline the status stays None (the outcome may still arrive).
    [result] = placed["results"]
    key = result["key_pressed"]
    outcome = _outcome(
        number,
        call_id,
        result["status"],
        key,
        result["duration"],
        acknowledged=key == escalation.acknowledge_key,
    )
    return outcome, None


async def _async_outcome(hass: HomeAssistant, person: str | None) -> str:
    """Return the sentence saying who acknowledged, in the server's language."""
    key = "escalation_acknowledged" if person else "escalation_nobody"
    translations = await async_get_translations(hass, hass.config.language, "common", {DOMAIN})
    phrase = translations.get(f"component.{DOMAIN}.common.{key}") or _OUTCOME_PHRASES[key]
    return phrase.format(person=person)


async def _async_tell_everyone(
    hass: HomeAssistant,
    entry: TelephonyConfigEntry,
    client: SmsClient,
    numbers: Sequence[str],
    text: str,
) -> dict[str, Any]:
    """Send the closing SMS to everyone on the list; a total failure is reported, not raised."""
    LOGGER.debug("Escalation on %s: sending the closing SMS to %s people", entry.title, len(numbers))
    options = SmsOptions(country=entry.runtime_data.settings(hass, entry).region)
    try:
        return await async_send_sms(hass, entry, client, list(numbers), text, options)
    except HomeAssistantError as err:
        # The calls' outcomes matter more than the SMS: they are returned all the same.
        # The reason may name a number: it goes back in the response, the log gets its kind.
        cause = err.__cause__ or err
        LOGGER.warning("Could not send the escalation's SMS on %s (%s)", entry.title, type(cause).__name__)
        reason = reason_of(hass, cause) if isinstance(cause, TelephonyError) else str(cause)
        return _not_sent(reason)


def _not_sent(reason: str) -> dict[str, Any]:
    """Return the closing SMS's result when it could not be sent."""
    return {"messages": [], "remaining_credit": None, "error": reason}
