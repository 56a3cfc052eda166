"""The delivery report poll: how SMS sent through a provider without delivery webhooks fared."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util

from .api import DeliveryPollingClient
from .calls import EventSink
from .data import TelephonyConfigEntry
from .errors import provider_errors
from .polling import IntervalPoller

# A message's outcome is asked for this long after it was sent (operators give up within a day).
DELIVERY_WINDOW: Final = timedelta(hours=24)


class DeliveryPoller(IntervalPoller):
    """Asks for the outcome of each message sent within the window until it is final."""

    subject = "the delivery report"
    # Nothing is pending at setup that the first interval cannot ask for.
    required_at_start = False

    def __init__(
        self,
        hass: HomeAssistant,
        entry: TelephonyConfigEntry,
        client: DeliveryPollingClient,
        interval: timedelta,
        sink: EventSink,
    ) -> None:
        """Poll at the inbox's interval."""
        super().__init__(hass, entry, interval, sink)
        self._client = client
        # Messages whose final outcome was passed on. Forgotten at a restart: asked once more
        # then, and the pipeline drops what it has seen.
        self._final: set[str] = set()

    async def _async_read(self, failure: type[HomeAssistantError]) -> None:
        runtime = self._entry.runtime_data
        sent = runtime.history.sent_since(dt_util.utcnow() - DELIVERY_WINDOW)
        # Newest first: if more are pending than one query takes, the recent ones matter most.
        pending = [message_id for message_id in reversed(sent) if message_id not in self._final]
        if not pending:
            return
        region = runtime.settings(self._hass, self._entry).region
        with provider_errors(self._hass, runtime.provider.brand, failure, "delivery_report_failed"):
            events = await self._client.async_poll_deliveries(pending, region)
        await self._sink(events)
        self._final.update(event.call_id for event in events if event.call_id is not None)
        # Sent messages that left the window are never asked for again.
        self._final.intersection_update(sent)
