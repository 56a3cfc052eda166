"""Asking a provider at an interval (its inbox, its delivery report): one timer, never stacked.

A plain interval timer: no entity shows a poll's result (what is new reaches the entities as
events), so there is no coordinator data to hold. An outage is logged once, its end once; a
refusal of the credentials asks for them again.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime, timedelta

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady, HomeAssistantError
from homeassistant.helpers.event import async_track_time_interval

from .api import FeatureUnavailableError
from .calls import EventSink
from .const import LOGGER
from .data import TelephonyConfigEntry


class IntervalPoller(ABC):
    """Reads something of the provider at an interval and passes what is new to the event pipeline."""

    subject: str
    """What is read, for the log: "the inbox", "the delivery report"."""
    required_at_start: bool = True
    """Whether the entry's setup waits for a first read that works (else: first read at the interval)."""

    def __init__(
        self, hass: HomeAssistant, entry: TelephonyConfigEntry, interval: timedelta, sink: EventSink
    ) -> None:
        """Poll at the interval the options set."""
        self._hass = hass
        self._entry = entry
        self._interval = interval
        self._sink = sink
        self._polling = False
        self.last_poll_succeeded = True

    async def async_start(self) -> None:
        """Read once when the setup needs it, then at every interval.

        Raises ConfigEntryNotReady or ConfigEntryAuthFailed when a required first read fails, so
        that the setup is retried or the credentials asked for again.
        """
        if self.required_at_start:
            try:
                await self._async_read(ConfigEntryNotReady)
            except ConfigEntryNotReady as err:
                if not isinstance(err.__cause__, FeatureUnavailableError):
                    raise
                # The account (or its API user) lacks this service: the rest of the entry works,
                # and the timer finds out when the service is granted.
                LOGGER.warning(
                    "Cannot read %s of %s, asked again at every interval: %s",
                    self.subject,
                    self._entry.title,
                    err.__cause__,
                )
                self.last_poll_succeeded = False
        self._entry.async_on_unload(
            async_track_time_interval(
                self._hass,
                self._async_tick,
                self._interval,
                name=f"cloud_telephony {self.subject} {self._entry.title}",
            )
        )

    @callback
    def _async_tick(self, _now: datetime) -> None:
        # A slow provider must not stack polls up: the next tick waits for this one.
        if not self._polling:
            self._entry.async_create_background_task(
                self._hass, self.async_poll(), f"cloud_telephony {self.subject}"
            )

    async def async_poll(self) -> bool:
        """Read now; a failure is logged once until a read succeeds again."""
        self._polling = True
        try:
            await self._async_read(HomeAssistantError)
        except ConfigEntryAuthFailed as err:
            LOGGER.warning("Reading %s of %s was refused: %s", self.subject, self._entry.title, err)
            self._entry.async_start_reauth(self._hass)
            self.last_poll_succeeded = False
        except HomeAssistantError as err:
            if self.last_poll_succeeded:
                # The error says what could not be read, and why.
                LOGGER.warning("%s: %s", self._entry.title, err)
            self.last_poll_succeeded = False
        else:
            if not self.last_poll_succeeded:
                LOGGER.info("Reading %s of %s works again", self.subject, self._entry.title)
            self.last_poll_succeeded = True
        finally:
            self._polling = False
        return self.last_poll_succeeded

    @abstractmethod
    async def _async_read(self, failure: type[HomeAssistantError]) -> None:
        """Read once and pass what is new on; raise `failure` (or ConfigEntryAuthFailed) if it fails."""
