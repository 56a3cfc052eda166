"""The public contract, written out independently of the code: what users' automations rely on."""

from __future__ import annotations

# DESIGN: "Event data always has these keys (value None when the provider does not say)".
EVENT_DATA_KEYS = frozenset(
    {
        "config_entry_id",
        "device_id",
        "provider",
        "type",
        "call_id",
        "caller",
        "callee",
        "direction",
        "status",
        "key_pressed",
        "duration",
        "message",
        "occurred_at",
        "raw",
        # "An event produced by the integration's own 'try it' action carries `test: true`"; the
        # provider's own events carry `test: false`, so that a trigger can ask for either.
        "test",
    }
)
