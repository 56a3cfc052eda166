"""The webhook's public address: external URL or Home Assistant Cloud, and the repair when there is none."""

from __future__ import annotations

from typing import Any

import aiohttp

from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_WEBHOOK_ID, EVENT_CORE_CONFIG_UPDATE
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.helpers.start import async_at_started

from .api import RESULT_POLLING
from .const import CONF_CLOUDHOOK_URL, DOMAIN
from .data import TelephonyConfigEntry


@callback
def async_webhook_url(hass: HomeAssistant, webhook_id: str, cloudhook_url: str | None = None) -> str:
    """Return the URL to give the provider: the cloudhook, else the best URL Home Assistant knows.

    Without any known URL the bare path is returned, for the user to prefix with their address.
    """
    if cloudhook_url:
        return cloudhook_url
    try:
        return webhook.async_generate_url(hass, webhook_id, prefer_external=True)
    except NoURLAvailableError:
        return webhook.async_generate_path(webhook_id)


@callback
def async_entry_webhook_url(hass: HomeAssistant, entry: TelephonyConfigEntry) -> str:
    """Return the webhook URL of a configured entry."""
    return async_webhook_url(hass, entry.data[CONF_WEBHOOK_ID], entry.data.get(CONF_CLOUDHOOK_URL))


@callback
def async_public_url(hass: HomeAssistant, webhook_id: str, cloudhook_url: str | None = None) -> str | None:
    """Return a webhook URL as the internet sees it (cloudhook or external URL), or None."""
    if cloudhook_url:
        return cloudhook_url
    try:
        return webhook.async_generate_url(hass, webhook_id, allow_internal=False, prefer_external=True)
    except NoURLAvailableError:
        return None


@callback
def async_public_webhook_url(hass: HomeAssistant, entry: TelephonyConfigEntry) -> str | None:
    """Return the entry's webhook URL as the internet sees it (cloudhook or external URL), or None."""
    return async_public_url(hass, entry.data[CONF_WEBHOOK_ID], entry.data.get(CONF_CLOUDHOOK_URL))


async def async_get_callback_url(hass: HomeAssistant, entry: TelephonyConfigEntry) -> str | None:
    """Return a webhook URL the provider can reach from the internet, or None.

    Home Assistant Cloud turned on after the account was added gives the account a cloudhook now.
    Without any public URL, results are polled where the provider has a report; a repair issue
    says so, once, until a public URL exists.
    """
    provider = entry.runtime_data.provider
    if not provider.takes_webhook:
        return None
    # Read before the await: the entry may unload meanwhile (its runtime data is gone then).
    if not provider.callback_per_request:
        kind = "no_public_url_pasted"
    elif entry.runtime_data.client_with(RESULT_POLLING) is not None:
        kind = "no_public_url"
    else:
        kind = "no_public_url_no_report"
    url = async_public_webhook_url(hass, entry)
    if url is None and (url := await async_create_cloudhook(hass, entry.data[CONF_WEBHOOK_ID])):
        if entry.state is not ConfigEntryState.LOADED:
            # Unloaded or removed while Cloud answered: nothing to store, no repair to raise.
            return url
        hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_CLOUDHOOK_URL: url})
    issue_id = f"no_public_url_{entry.entry_id}"
    if url is None:
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=kind,
            translation_placeholders={"account": entry.title, "provider": provider.brand},
        )
    else:
        ir.async_delete_issue(hass, DOMAIN, issue_id)
    return url


@callback
def async_watch_public_url(hass: HomeAssistant, entry: TelephonyConfigEntry) -> None:
    """Check the public address now and whenever Home Assistant's URLs change (the repair follows)."""
    if not entry.runtime_data.provider.takes_webhook:
        return

    @callback
    def check(_: Any = None) -> None:
        # The entry's own task: it ends with the entry.
        entry.async_create_background_task(
            hass, async_get_callback_url(hass, entry), f"{DOMAIN} public URL of {entry.title}"
        )

    entry.async_on_unload(hass.bus.async_listen(EVENT_CORE_CONFIG_UPDATE, check))
    # Now, or once Home Assistant has started (Home Assistant Cloud connects only then).
    entry.async_on_unload(async_at_started(hass, check))


# Home Assistant Cloud is imported only where it is set up (then it is imported already): the
# import pulls Alexa, Google Assistant and more, about a second that would otherwise delay the
# registration of the webhooks at every start.


@callback
def cloud_subscribed(hass: HomeAssistant) -> bool:
    """Return whether Home Assistant Cloud is set up with an active subscription."""
    if "cloud" not in hass.config.components:
        return False
    from homeassistant.components import cloud  # noqa: PLC0415 - see above

    return cloud.async_active_subscription(hass)


async def async_create_cloudhook(hass: HomeAssistant, webhook_id: str) -> str | None:
    """Return a Home Assistant Cloud webhook URL when Cloud is on and connected, else None."""
    if not cloud_subscribed(hass):
        return None
    from homeassistant.components import cloud  # noqa: PLC0415 - see above

    try:
        return await cloud.async_get_or_create_cloudhook(hass, webhook_id)
    except (cloud.CloudNotAvailable, aiohttp.ClientError, TimeoutError):
        # Cloud is not reachable now; the next check (or call) asks again.
        return None


async def async_delete_cloudhook(hass: HomeAssistant, webhook_id: str) -> bool:
    """Delete the Home Assistant Cloud webhook of a webhook id; return whether Cloud could be asked."""
    if "cloud" not in hass.config.components:
        return False
    from homeassistant.components import cloud  # noqa: PLC0415 - see above

    try:
        await cloud.async_delete_cloudhook(hass, webhook_id)
    except cloud.CloudNotAvailable:
        return False
    return True


@callback
def async_delete_public_url_issue(hass: HomeAssistant, entry_id: str) -> None:
    """Forget the repair issue of an account that is removed."""
    ir.async_delete_issue(hass, DOMAIN, f"no_public_url_{entry_id}")
