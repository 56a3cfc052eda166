"""scripts/replay: documented samples posted as new events of today."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).parent.parent


def _replay() -> ModuleType:
    loader = SourceFileLoader("replay", str(ROOT / "scripts" / "replay"))
    spec = spec_from_loader("replay", loader)
    assert spec is not None
    module = module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_a_replayed_call_record_is_of_today() -> None:
    """The call record's times move with the event's time, keeping their spans (Recent calls shows today)."""
    replay = _replay()
    documented = replay.load_sample(ROOT / "tests" / "fixtures" / "bulutfon" / "seed_call_hangup.json")
    before = datetime.now(UTC)
    fresh = replay.refreshed("bulutfon", documented)

    assert fresh["uuid"] == fresh["cdr"]["uuid"] != documented["uuid"]
    sent_at = datetime.fromtimestamp(fresh["timestamp"] / 1_000_000, UTC)
    assert before - timedelta(seconds=1) <= sent_at <= datetime.now(UTC)
    cdr, old = fresh["cdr"], documented["cdr"]
    span = sent_at - datetime.fromtimestamp(documented["timestamp"] / 1_000_000, UTC)
    for key in ("call_time", "answer_time", "hangup_time"):
        moved = datetime.fromisoformat(cdr[key]) - datetime.fromisoformat(old[key])
        assert abs(moved - span) <= timedelta(seconds=1), key
    # The legs move alike; a leg's empty times stay empty.
    assert cdr["callflow"][0]["answer_time"] is None
    assert datetime.fromisoformat(cdr["callflow"][1]["hangup_time"]) - datetime.fromisoformat(
        cdr["callflow"][1]["start_time"]
    ) == timedelta(seconds=4)
    # Still written the provider's way: with its offset, to the second.
    assert cdr["call_time"].endswith("+03:00")


def test_a_call_start_without_a_record_gets_a_new_id_and_time() -> None:
    replay = _replay()
    documented = replay.load_sample(ROOT / "tests" / "fixtures" / "bulutfon" / "seed_call_init.json")
    fresh = replay.refreshed("bulutfon", documented)
    assert "cdr" not in fresh
    assert fresh["uuid"] != documented["uuid"]
    assert fresh["timestamp"] > documented["timestamp"]
    assert {key: value for key, value in fresh.items() if key not in ("uuid", "timestamp")} == {
        key: value for key, value in documented.items() if key not in ("uuid", "timestamp")
    }


def test_a_time_in_another_format_is_left_as_it_is() -> None:
    """A provider writing a time another way: the record is still replayed, that time unchanged."""
    replay = _replay()
    record = {"call_time": "14.03.2026 09:00", "hangup_time": "2026-03-14T09:01:00+03:00", "answer_time": ""}
    moved = replay.moved_times(record, timedelta(days=1))
    assert moved == {
        "call_time": "14.03.2026 09:00",
        "hangup_time": "2026-03-15T09:01:00+03:00",
        "answer_time": "",
    }
