"""Sending messages through an entry's client: one path for actions and notify entities."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util

from .api import (
    PROVIDERS,
    RESULT_POLLING,
    AuthError,
    Capability,
    PlacedCalls,
    RequestValidationError,
    SentMessage,
    SmsClient,
    SmsOptions,
    TelephonyClient,
    TelephonyError,
)
from .api.numbers import match_key, normalize_number
from .calls import results_of
from .const import CONF_PROVIDER, DOMAIN, LOGGER
from .data import TelephonyConfigEntry
from .errors import reason_of, translated
from .pipeline import loaded_runtime
from .public_url import async_get_callback_url


def translated_error(
    hass: HomeAssistant, entry: TelephonyConfigEntry, err: TelephonyError
) -> HomeAssistantError:
    """Turn a provider error into the translated exception an automation sees."""
    # From the entry's data, not its runtime: the entry may have unloaded while the provider answered.
    return translated(hass, PROVIDERS[entry.data[CONF_PROVIDER]].brand, err)


def client_for[ClientT: TelephonyClient](
    entry: TelephonyConfigEntry, capability: Capability[ClientT], action: str
) -> ClientT:
    """Return the entry's client if its provider can do the action, else refuse the action."""
    client = entry.runtime_data.client_with(capability)
    if client is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="action_not_supported",
            translation_placeholders={"action": action, "provider": entry.runtime_data.provider.brand},
        )
    return client


async def async_call_provider[ResultT](
    hass: HomeAssistant, entry: TelephonyConfigEntry, request: Awaitable[ResultT]
) -> ResultT:
    """Await a provider request; a failure becomes a translated error (and a refusal a reauth)."""
    try:
        return await request
    except TelephonyError as err:
        if isinstance(err, AuthError):
            entry.async_start_reauth(hass)
        raise translated_error(hass, entry, err) from err


async def async_place_calls(
    hass: HomeAssistant,
    entry: TelephonyConfigEntry,
    numbers: list[str],
    send: Callable[[str | None], Awaitable[PlacedCalls]],
    *,
    wait_seconds: float | None,
    until_key: str | None = None,
) -> dict[str, Any]:
    """Place calls whose outcomes come back by webhook (or by polling); optionally wait for them.

    `send` gets the callback URL (None without a public URL, or when the provider reports no
    results to a webhook). Numbers the provider refused are listed under `errors`; the others are
    called.
    """
    runtime = entry.runtime_data
    # Only providers that take a result URL with each request report results to the webhook.
    callback_url = (
        await async_get_callback_url(hass, entry) if runtime.provider.callback_per_request else None
    )
    placed = await async_call_provider(hass, entry, send(callback_url))
    job_id = placed.job_id
    poll = callback_url is None and runtime.client_with(RESULT_POLLING) is not None
    response: dict[str, Any] = {
        "message_id": job_id,
        "to": numbers,
        "results_by": "webhook" if callback_url else ("polling" if poll else "none"),
    }
    if placed.errors:
        response["errors"] = dict(placed.errors)
        numbers = [number for number in numbers if not _refused(number, placed.errors)]
    # The same across a reload that happened while the provider answered; None once disabled.
    calls = runtime.hub.existing_call_tracker(entry.entry_id)
    reported = callback_url is not None or poll
    if numbers and (poll or (wait_seconds is not None and reported)):
        if calls is not None:
            calls.async_track(job_id, numbers, poll=poll)
            if wait_seconds is not None:
                response.update(await calls.async_wait(job_id, wait_seconds, until_key=until_key))
        # An automation must not take "the account is gone" for "nobody answered in time"
        # (an outcome that arrived just before is still returned).
        if wait_seconds is not None and (
            calls is None or (calls.shut_down and not _answered(response, until_key))
        ):
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="wait_ended",
                translation_placeholders={"account": entry.title, "message_id": job_id},
            )
    elif wait_seconds is not None:
        # Nothing to wait for: every number refused, or no outcome comes back.
        response.update(results_of(numbers) | {"complete": not numbers})
    return response


def _answered(response: dict[str, Any], until_key: str | None) -> bool:
    """Whether the wait got what it waited for: every outcome, or the key it waited for."""
    if response.get("complete"):
        return True
    return until_key is not None and any(
        result["key_pressed"] == until_key for result in response.get("results", ())
    )


def _refused(number: str, errors: Mapping[str, str]) -> bool:
    """Whether the provider refused this number (it may write numbers its own way)."""
    return any(match_key(number) == match_key(refused) for refused in errors)


def normalized(hass: HomeAssistant, entry: TelephonyConfigEntry, numbers: list[str]) -> list[str]:
    """Return the numbers in E.164 where they parse, without duplicates, in order."""
    region = entry.runtime_data.settings(hass, entry).region
    return list(dict.fromkeys(normalize_number(number, region) or number for number in numbers))


async def async_send_sms(
    hass: HomeAssistant,
    entry: TelephonyConfigEntry,
    client: SmsClient,
    recipients: list[str],
    text: str,
    options: SmsOptions,
) -> dict[str, Any]:
    """Send one text to each recipient; return per-recipient results.

    A refusal that concerns the request itself (too long, …) is raised before anything is sent. A
    failure for one recipient is reported in the results; when every recipient failed, the first
    failure is raised, so that an automation never mistakes a total failure for success.
    """
    runtime = entry.runtime_data
    region = runtime.settings(hass, entry).region
    results: list[dict[str, Any]] = []
    failures: list[TelephonyError] = []
    remaining_credit: float | None = None
    for recipient in recipients:
        number = normalize_number(recipient, region) or recipient
        try:
            sent = await client.async_send_sms(number, text, options)
        except RequestValidationError as err:
            raise translated_error(hass, entry, err) from err
        except TelephonyError as err:
            if isinstance(err, AuthError):
                entry.async_start_reauth(hass)
            # The reason may name the number; it goes back in the response, the log gets the kind.
            LOGGER.warning("%s could not send an SMS (%s)", runtime.provider.brand, type(err).__name__)
            failures.append(err)
            results.append(
                {"to": number, "error": reason_of(hass, err), "error_code": getattr(err, "code", None)}
            )
            continue
        if (live := loaded_runtime(entry)) is not None:
            live.history.record_sent(
                sent.message_id, number, text, sent_at=dt_util.now(), aliases=sent.aliases
            )
        results.append(_sent_result(sent))
        remaining_credit = sent.remaining_credit if sent.remaining_credit is not None else remaining_credit
    if failures and len(failures) == len(recipients):
        raise translated_error(hass, entry, failures[0]) from failures[0]
    live = loaded_runtime(entry)
    if remaining_credit is not None and live is not None and live.balance is not None:
        live.balance.async_set_remaining(remaining_credit)
    return {"messages": results, "remaining_credit": remaining_credit}


def _sent_result(sent: SentMessage) -> dict[str, Any]:
    return {"to": sent.to, "message_id": sent.message_id, "status": sent.status, "price": sent.price}
