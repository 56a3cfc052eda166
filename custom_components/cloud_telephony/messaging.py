"""Sending messages through an entry's client: one path for actions and notify entities."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util

from .api import (
    AuthError,
    InsufficientBalanceError,
    InvalidNumberError,
    ProviderConnectionError,
    RequestValidationError,
    SentMessage,
    SmsClient,
    SmsOptions,
    TelephonyError,
)
from .api.numbers import normalize_number
from .const import DOMAIN, LOGGER
from .data import TelephonyConfigEntry


def translated_error(entry: TelephonyConfigEntry, err: TelephonyError) -> HomeAssistantError:
    """Turn a provider error into the translated exception an automation sees."""
    placeholders = {"provider": entry.runtime_data.provider.brand, "reason": str(err)}
    if isinstance(err, RequestValidationError):
        return ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_request",
            translation_placeholders=placeholders,
        )
    if isinstance(err, InvalidNumberError):
        return ServiceValidationError(
            translation_domain=DOMAIN, translation_key="invalid_number", translation_placeholders=placeholders
        )
    key = "provider_error"
    if isinstance(err, AuthError):
        key = "auth_failed"
    elif isinstance(err, InsufficientBalanceError):
        key = "insufficient_balance"
    elif isinstance(err, ProviderConnectionError):
        key = "cannot_connect"
    return HomeAssistantError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def sms_client(entry: TelephonyConfigEntry, action: str) -> SmsClient:
    """Return the entry's SMS client, or refuse the action for a provider that cannot send SMS."""
    client = entry.runtime_data.client
    if not isinstance(client, SmsClient):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="action_not_supported",
            translation_placeholders={"action": action, "provider": entry.runtime_data.provider.brand},
        )
    return client


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
            raise translated_error(entry, err) from err
        except TelephonyError as err:
            if isinstance(err, AuthError):
                entry.async_start_reauth(hass)
            LOGGER.warning("%s could not send an SMS: %s", runtime.provider.brand, err)
            failures.append(err)
            results.append({"to": number, "error": str(err), "error_code": getattr(err, "code", None)})
            continue
        runtime.history.record_sent(sent.message_id, number, text, sent_at=dt_util.now())
        results.append(_sent_result(sent))
        remaining_credit = sent.remaining_credit if sent.remaining_credit is not None else remaining_credit
    if failures and len(failures) == len(recipients):
        raise translated_error(entry, failures[0]) from failures[0]
    if remaining_credit is not None and runtime.balance is not None:
        runtime.balance.async_set_remaining(remaining_credit)
    return {"messages": results, "remaining_credit": remaining_credit}


def _sent_result(sent: SentMessage) -> dict[str, Any]:
    return {"to": sent.to, "message_id": sent.message_id, "status": sent.status, "price": sent.price}
