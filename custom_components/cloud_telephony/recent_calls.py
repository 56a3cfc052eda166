"""An account's last calls for dashboards: one row per call, folded from its events as they are recorded.

A call's events (it started, it was missed, it ended, the outcomes of a call this integration
placed, its billing record) update one row: the status only moves forward, the duration is filled
in, the time is when the call began. The fold is the same whatever order the events come in and
whether an event is folded once or twice, so the rows survive a restart: the history keeps them
with its state and folds its recent events over them once more at start-up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum
from typing import Any, Final

from homeassistant.util import dt as dt_util

from .api import CallStatus, Direction, EventType
from .api.numbers import match_key

RECENT_CALLS: Final = 20
"""How many calls are kept (newest first)."""

CALL_EVENT_TYPES: Final = frozenset(
    {
        EventType.CALL_STARTED,
        EventType.MISSED_CALL,
        EventType.CALL_ENDED,
        EventType.CALL_STATUS,
        EventType.CALL_RECORD,
    }
)
# Events that come once the call is over: their time is the end, their duration the talk time.
_AFTER_THE_CALL: Final = frozenset({EventType.MISSED_CALL, EventType.CALL_ENDED, EventType.CALL_RECORD})
# Events of one number of a call job (a voice message to several numbers shares the job's id).
_PER_NUMBER: Final = frozenset({EventType.CALL_STATUS, EventType.CALL_RECORD})


class Stage(IntEnum):
    """How far into a call an event is: a later stage says best who and where the call was."""

    RINGS = 0
    GOES_ON = 1
    ENDED = 2


# The fields naming a call's parties; each keeps which event said it (its stage, then its time).
PARTIES: Final = ("direction", "caller", "caller_name", "callee", "callee_name")
type Said = tuple[Stage, float]
# For a field nobody said, and the time of an event without one (older than any real time).
_NOT_SAID: Final[Said] = (Stage.RINGS, 0.0)


class RecentCallStatus(StrEnum):
    """Where a call is, or how it ended; in the order a call's events can only move it forward."""

    RINGING = "ringing"
    ANSWERED = "answered"
    COMPLETED = "completed"
    NOT_ANSWERED = "not_answered"
    FAILED = "failed"
    CANCELLED = "cancelled"
    BUSY = "busy"
    MISSED = "missed"


_RANK: Final = {status: rank for rank, status in enumerate(RecentCallStatus)}
_FROM_CALL_STATUS: Final[dict[str, RecentCallStatus]] = {
    CallStatus.DIALING: RecentCallStatus.RINGING,
    CallStatus.RINGING: RecentCallStatus.RINGING,
    CallStatus.ANSWERED: RecentCallStatus.ANSWERED,
    CallStatus.COMPLETED: RecentCallStatus.COMPLETED,
    CallStatus.NOT_ANSWERED: RecentCallStatus.NOT_ANSWERED,
    CallStatus.BUSY: RecentCallStatus.BUSY,
    CallStatus.CANCELLED: RecentCallStatus.CANCELLED,
    CallStatus.UNREACHABLE: RecentCallStatus.FAILED,
    CallStatus.FAILED: RecentCallStatus.FAILED,
    CallStatus.INVALID_NUMBER: RecentCallStatus.FAILED,
    CallStatus.EXPIRED: RecentCallStatus.FAILED,
    CallStatus.INSUFFICIENT_BALANCE: RecentCallStatus.FAILED,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class CallRow:
    """One call as a dashboard shows it (never changed in place: a new row replaces it)."""

    key: str
    started: datetime
    direction: str | None
    caller: str | None
    caller_name: str | None
    callee: str | None
    callee_name: str | None
    duration: int | None
    status: RecentCallStatus | None
    call_id: str | None
    test: bool
    said: tuple[Said, ...] = ()
    """Per field of PARTIES, the stage and time of the event that said it."""

    def merged(self, other: CallRow) -> CallRow:
        """Return this call with what another event of it says (the same whatever the order).

        Where two events name the call's parties differently (a PBX call reaches an extension),
        the word of the later stage is kept, and of two events of one stage the later one's: who
        the call ended with, not who it rang first.
        """
        parties: dict[str, Any] = {}
        said: list[Said] = []
        for field, mine, theirs in zip(PARTIES, self.said_by_field(), other.said_by_field(), strict=True):
            candidates = [
                (when, value)
                for when, value in ((mine, getattr(self, field)), (theirs, getattr(other, field)))
                if value
            ]
            when, value = max(candidates) if candidates else (_NOT_SAID, None)
            parties[field] = value
            said.append(when)
        durations = [seconds for seconds in (self.duration, other.duration) if seconds is not None]
        return replace(
            self,
            **parties,
            said=tuple(said),
            started=min(self.started, other.started),
            duration=max(durations) if durations else None,
            status=max(
                (status for status in (self.status, other.status) if status is not None),
                key=_RANK.__getitem__,
                default=None,
            ),
            test=self.test or other.test,
        )

    def said_by_field(self) -> tuple[Said, ...]:
        """Return who said each party field (not said, for a row without that record)."""
        return self.said if len(self.said) == len(PARTIES) else (_NOT_SAID,) * len(PARTIES)

    def as_stored(self) -> dict[str, Any]:
        """Return the row as JSON values (the history's state)."""
        return {
            "key": self.key,
            "time": self.started.isoformat(),
            "direction": self.direction,
            "caller": self.caller,
            "caller_name": self.caller_name,
            "callee": self.callee,
            "callee_name": self.callee_name,
            "duration": self.duration,
            "status": None if self.status is None else str(self.status),
            "call_id": self.call_id,
            "test": self.test,
            "said": [[int(stage), moment] for stage, moment in self.said_by_field()],
        }

    @classmethod
    def from_stored(cls, stored: Any) -> CallRow | None:
        """Return a stored row, or None for one that cannot be read (written by another version)."""
        if not isinstance(stored, dict):
            return None
        started = dt_util.parse_datetime(str(stored.get("time")))
        key = stored.get("key")
        if started is None or started.tzinfo is None or not isinstance(key, str):
            return None
        duration = stored.get("duration")
        status = stored.get("status")
        return cls(
            key=key,
            started=started,
            direction=_text(stored.get("direction")),
            caller=_text(stored.get("caller")),
            caller_name=_text(stored.get("caller_name")),
            callee=_text(stored.get("callee")),
            callee_name=_text(stored.get("callee_name")),
            duration=duration if isinstance(duration, int) and not isinstance(duration, bool) else None,
            status=RecentCallStatus(status) if status in _RANK else None,
            call_id=_text(stored.get("call_id")),
            test=stored.get("test") is True,
            said=_said_of(stored.get("said")),
        )


def _said_of(stored: Any) -> tuple[Said, ...]:
    """Return a row's stored `said`, or nothing for one that cannot be read."""
    if not isinstance(stored, list) or len(stored) != len(PARTIES):
        return ()
    said: list[Said] = []
    for item in stored:
        match item:
            case [int(stage), float(moment) | int(moment)] if (
                not isinstance(stage, bool) and Stage.RINGS <= stage <= Stage.ENDED
            ):
                said.append((Stage(stage), float(moment)))
            case _:
                return ()
    return tuple(said)


def row_of(data: dict[str, Any]) -> CallRow | None:
    """Return what one event says about its call, or None when it is not a call's event."""
    event_type = data.get("type")
    if event_type not in CALL_EVENT_TYPES:
        return None
    direction = _text(data.get("direction"))
    call_id = _text(data.get("call_id"))
    callee = _text(data.get("callee"))
    test = data.get("test") is True
    if call_id is None:
        # Nothing ties it to other events: a call of its own.
        key = (
            f"{event_type}|{data.get('occurred_at')}|{data.get('received_at')}|{data.get('caller')}|{callee}"
        )
    elif event_type in _PER_NUMBER:
        key = f"{call_id}|{match_key(callee or '')}"
    else:
        key = call_id
    duration = data.get("duration")
    final = data.get("final") is True
    moment = _moment(data.get("occurred_at")) or _moment(data.get("received_at"))
    when: Said = (_stage(event_type, final), moment.timestamp() if moment is not None else _NOT_SAID[1])
    parties = {
        "direction": direction,
        "caller": _text(data.get("caller")),
        "caller_name": _text(data.get("caller_name")),
        "callee": callee,
        "callee_name": _text(data.get("callee_name")),
    }
    return CallRow(
        key=f"test|{key}" if test else key,
        started=_started(data, event_type, duration),
        **parties,
        duration=duration if isinstance(duration, int) and not isinstance(duration, bool) else None,
        status=_status(event_type, _text(data.get("status")), direction, final),
        call_id=call_id,
        test=test,
        said=tuple(when if parties[field] else _NOT_SAID for field in PARTIES),
    )


def _stage(event_type: str, final: bool) -> Stage:
    if event_type == EventType.CALL_STARTED:
        return Stage.RINGS
    if event_type == EventType.CALL_STATUS and not final:
        return Stage.GOES_ON
    return Stage.ENDED


def _status(
    event_type: str, status: str | None, direction: str | None, final: bool
) -> RecentCallStatus | None:
    if event_type == EventType.CALL_STARTED:
        return RecentCallStatus.RINGING
    if event_type == EventType.MISSED_CALL:
        return RecentCallStatus.MISSED
    if event_type == EventType.CALL_STATUS:
        if status == CallStatus.ANSWERED and final:
            # The outcome of a call that is over: it was answered, and it ended.
            return RecentCallStatus.COMPLETED
        return None if status is None else _FROM_CALL_STATUS.get(status)
    # A call's end or its record: answered by a person, or not.
    if status == CallStatus.ANSWERED:
        return RecentCallStatus.COMPLETED
    if direction == Direction.INBOUND:
        return RecentCallStatus.MISSED
    return RecentCallStatus.NOT_ANSWERED


def _started(data: dict[str, Any], event_type: str, duration: Any) -> datetime:
    """Return when the call began, as far as this event tells."""
    for key in ("started_at", "call_time"):
        if (started := _moment(data.get(key))) is not None:
            return started
    moment = _moment(data.get("occurred_at")) or _moment(data.get("received_at")) or dt_util.now()
    ended = event_type in _AFTER_THE_CALL or data.get("final") is True
    if ended and isinstance(duration, int) and not isinstance(duration, bool) and duration > 0:
        # Said at the end: the talk began this long before (the ringing before it is not known).
        return moment - timedelta(seconds=duration)
    return moment


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    moment = dt_util.parse_datetime(value)
    return moment if moment is not None and moment.tzinfo is not None else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


class RecentCalls:
    """The last calls of one account, newest first; constant work per event."""

    def __init__(self, stored: Any = None, recent: Iterable[dict[str, Any]] = ()) -> None:
        """Take the rows kept at the last stop, then fold the history's recent events over them.

        Folding an event twice changes nothing, so the recent events only add what the kept
        rows lack (events recorded after the rows were last written, or before they existed).
        """
        self._rows: dict[str, CallRow] = {}
        self._newest_first: tuple[CallRow, ...] = ()
        kept = stored.get("calls") if isinstance(stored, dict) else None
        for item in kept if isinstance(kept, list) else []:
            if (row := CallRow.from_stored(item)) is not None:
                self._take(row)
        for data in recent:
            self.add(data)

    @property
    def rows(self) -> tuple[CallRow, ...]:
        """Return the calls, newest first."""
        return self._newest_first

    def add(self, data: dict[str, Any]) -> bool:
        """Fold one recorded event in; return whether the rows changed."""
        row = row_of(data)
        return row is not None and self._take(row)

    def stored(self) -> dict[str, Any]:
        """Return the rows as the history keeps them (new objects: safe to encode in another thread)."""
        return {"calls": [row.as_stored() for row in self._newest_first]}

    def _take(self, row: CallRow) -> bool:
        known = self._rows.get(row.key)
        if known is not None:
            row = known.merged(row)
            if row == known:
                return False
        elif len(self._rows) >= RECENT_CALLS and row.started <= self._newest_first[-1].started:
            # Older than every call kept: it would be the one dropped.
            return False
        self._rows[row.key] = row
        # At most one more than kept: sorting them is constant work.
        newest_first = sorted(self._rows.values(), key=lambda call: call.started, reverse=True)
        for dropped in newest_first[RECENT_CALLS:]:
            del self._rows[dropped.key]
        self._newest_first = tuple(newest_first[:RECENT_CALLS])
        return True
