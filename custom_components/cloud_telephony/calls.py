"""Calls this integration placed: waiting for their outcome, and polling for it without a webhook."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from .api import RateLimitedError, ResultPollingClient, TelephonyError, TelephonyEvent
from .api.numbers import match_key
from .const import LOGGER
from .history import EventHistory, PolledJob

# A job whose outcomes have not all arrived after this long is given up.
JOB_LIFETIME: Final = timedelta(hours=24)

type EventSink = Callable[[list[TelephonyEvent]], Awaitable[Any]]


@dataclass(slots=True)
class _Job:
    numbers: list[str]
    expires: datetime
    poll: bool
    outcomes: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    """Set whenever an outcome or a key arrives (or the entry unloads): waiters look again."""

    def missing(self) -> list[str]:
        return [number for number in self.numbers if match_key(number) not in self.outcomes]

    def stored(self) -> PolledJob:
        return {
            "numbers": self.numbers,
            "expires": self.expires.isoformat(),
            "completed": list(self.outcomes),
        }


class CallTracker:
    """Per entry: jobs that still wait for outcomes, fed by the webhook or by polling.

    It outlives a reload of the entry (an action waiting for an outcome goes on waiting, and an
    outcome posted meanwhile reaches it); only polling pauses until the entry is set up again.
    Polled jobs are kept in the entry's history, so that polling goes on after a restart.
    """

    def __init__(self, hass: HomeAssistant, history: EventHistory, region: Callable[[], str | None]) -> None:
        """Start with no jobs; polling starts with the first job that needs it."""
        self._hass = hass
        self._history = history
        self._region = region
        self._jobs: dict[str, _Job] = {}
        self._client: ResultPollingClient | None = None
        self._poll_interval = timedelta(seconds=30)
        self._sink: EventSink | None = None
        self._unsub_poll: CALLBACK_TYPE | None = None
        self._shut_down = False
        self._paused = True
        self._on_shutdown: list[CALLBACK_TYPE] = []

    def set_poller(self, client: ResultPollingClient, sink: EventSink, interval: timedelta) -> None:
        """Say how to ask for outcomes, where to send them and how often, for jobs without a webhook."""
        self._client, self._sink, self._poll_interval = client, sink, interval

    @callback
    def async_pause(self) -> None:
        """Stop polling while the entry is not loaded (its client is gone); waiting goes on."""
        self._paused = True
        self._async_stop_polling()
        self._client = self._sink = None

    @callback
    def async_track(self, job_id: str, numbers: Iterable[str], *, poll: bool) -> None:
        """Start waiting for the outcome of each number of a job (to wait for it, or to poll it)."""
        job = _Job(numbers=list(numbers), expires=dt_util.utcnow() + JOB_LIFETIME, poll=poll)
        self._jobs[job_id] = job
        if poll:
            self._history.save_polled_job(job_id, job.stored())
            self._async_start_polling()

    @callback
    def async_resume(self) -> None:
        """Poll again for the jobs that were polled before the entry unloaded or Home Assistant stopped."""
        self._paused = False
        if any(job.poll for job in self._jobs.values()):
            self._async_start_polling()
        now = dt_util.utcnow()
        # Kept in memory across the reload: one that expired meanwhile is given up now.
        for job_id in [job_id for job_id, job in self._jobs.items() if job.expires < now]:
            self._forget(job_id)
        for job_id, stored in self._history.polled_jobs.items():
            if job_id in self._jobs:
                continue
            expires = dt_util.parse_datetime(stored["expires"])
            if expires is None or expires < now or self._client is None:
                self._history.forget_polled_job(job_id)
                continue
            # Outcomes that arrived before the restart were already reported; only the
            # numbers still missing are waited for.
            outcomes = {key: dict(NO_OUTCOME) for key in stored["completed"]}
            self._jobs[job_id] = _Job(
                numbers=list(stored["numbers"]), expires=expires, poll=True, outcomes=outcomes
            )
            self._async_start_polling()

    @callback
    def _async_start_polling(self) -> None:
        if self._client is not None and self._unsub_poll is None and not (self._shut_down or self._paused):
            self._unsub_poll = async_track_time_interval(
                self._hass, self._async_poll, self._poll_interval, name="cloud_telephony call results"
            )

    @property
    def shut_down(self) -> bool:
        """Return whether the account was disabled or removed: nothing is waited for any more."""
        return self._shut_down

    @callback
    def async_on_shutdown(self, func: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call `func` when the account is disabled or removed; return how to stop that."""
        self._on_shutdown.append(func)
        return lambda: self._on_shutdown.remove(func)

    @property
    def polling(self) -> bool:
        """Return whether the report is being polled (only while polled jobs are pending)."""
        return self._unsub_poll is not None

    @property
    def pending(self) -> dict[str, dict[str, Any]]:
        """Return the jobs still waiting for outcomes: numbers left, and whether they are polled."""
        return {
            job_id: {"waiting_for": len(job.missing()), "polled": job.poll}
            for job_id, job in self._jobs.items()
        }

    @callback
    def async_record(self, data: dict[str, Any]) -> None:
        """Take an accepted `call_status` event; a final one completes its number."""
        job = self._jobs.get(str(data.get("call_id")))
        if job is None or data.get("callee") is None:
            return
        number = match_key(data["callee"])
        if not data.get("final"):
            # A key pressed during the call (reported before the call ends) is kept for the outcome.
            if data.get("key_pressed") is not None:
                job.keys[number] = data["key_pressed"]
                job.changed.set()
            return
        outcome = _outcome(data)
        if outcome["key_pressed"] is None and number in job.keys:
            outcome["key_pressed"] = job.keys[number]
        job.outcomes[number] = outcome
        if not job.missing():
            job.done.set()
        job.changed.set()
        if job.poll:
            self._history.save_polled_job(str(data["call_id"]), job.stored())

    async def async_wait(
        self, job_id: str, seconds: float, *, until_key: str | None = None
    ) -> dict[str, Any]:
        """Wait until every number of the job has an outcome, the seconds pass, or the entry unloads.

        With `until_key`, the wait also ends as soon as that key is reported pressed, before the
        call has ended.
        """
        job = self._jobs[job_id]
        try:
            with suppress(TimeoutError):
                async with asyncio.timeout(seconds):
                    while not job.done.is_set() and (until_key is None or until_key not in job.keys.values()):
                        job.changed.clear()
                        await job.changed.wait()
        finally:
            # Also when the waiting action is cancelled. A polled job stays until it completes.
            if not job.poll or not job.missing():
                self._forget(job_id)
        return results_of(job.numbers, job.outcomes, job.keys) | {"complete": not job.missing()}

    @callback
    def async_shutdown(self) -> None:
        """Stop for good (the entry is disabled or removed): no polling, waiting actions return now."""
        self._shut_down = True
        self._async_stop_polling()
        for job in self._jobs.values():
            job.done.set()
            job.changed.set()
        # Not polled again once the account is enabled again: its outcomes are nobody's now.
        for job_id in self._history.polled_jobs:
            self._history.forget_polled_job(job_id)
        for func in list(self._on_shutdown):
            func()

    @callback
    def _async_stop_polling(self) -> None:
        if self._unsub_poll is not None:
            self._unsub_poll()
            self._unsub_poll = None

    @callback
    def _forget(self, job_id: str) -> None:
        if (job := self._jobs.pop(job_id, None)) is not None and job.poll:
            self._history.forget_polled_job(job_id)

    async def _async_poll(self, now: datetime) -> None:
        for job_id in [
            job_id for job_id, job in self._jobs.items() if job.done.is_set() or job.expires < now
        ]:
            self._forget(job_id)
        pending = [job_id for job_id, job in self._jobs.items() if job.poll]
        if not pending:
            self._async_stop_polling()
            return
        if (sink := self._sink) is None or self._client is None:  # pragma: no cover - set while polling
            return
        try:
            events = await self._client.async_poll_results(pending, self._region())
        except RateLimitedError:
            return
        except TelephonyError as err:
            LOGGER.debug("Could not fetch call results: %s", err)
            return
        # The entry may have unloaded while the report was fetched: the next setup polls again.
        if self._sink is sink and not self._shut_down:
            await sink(events)


NO_OUTCOME: Final = {"status": None, "key_pressed": None, "duration": None, "key_result": None}


def results_of(
    numbers: Iterable[str],
    outcomes: dict[str, dict[str, Any]] | None = None,
    keys: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Return the `results` of a wait: each number's outcome, or what is known yet (a key pressed)."""
    known = outcomes or {}
    pressed = keys or {}
    results = []
    for number in numbers:
        key = match_key(number)
        outcome = known.get(key) or {**NO_OUTCOME, "key_pressed": pressed.get(key)}
        results.append({"to": number, **outcome})
    return {"results": results}


def _outcome(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": data.get("status"),
        "key_pressed": data.get("key_pressed"),
        "duration": data.get("duration"),
        "key_result": data.get("key_result"),
    }
