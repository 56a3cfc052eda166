"""The providers' samples are their documented examples: parsed, they are the seeds but for ids and times."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from custom_components.cloud_telephony.api import PROVIDERS, Sample, TelephonyEvent, WebhookRequest
from custom_components.cloud_telephony.api.samples import clock_mover, moved_iso, moved_micros, new_digits
from tests.conftest import fixture_bytes

# Each sample and the fixture it was taken from (byte for byte the providers' documents, shared/seeds),
# with the item of a fixture that holds several.
SEEDS: dict[tuple[str, str], tuple[str, int]] = {
    ("bulutfon", "missed_call"): ("bulutfon/seed_missing_call.json", 0),
    ("bulutfon", "call_started"): ("bulutfon/seed_call_init.json", 0),
    ("bulutfon", "call_ended"): ("bulutfon/seed_call_hangup.json", 0),
    ("bulutfon", "incoming_fax"): ("bulutfon/seed_fax_init.json", 0),
    ("netgsm", "call_busy"): ("netgsm/seed_webhook.json", 0),
    ("huawei", "call_dialing"): ("huawei/seed_status_callout.json", 0),
    ("huawei", "call_record"): ("huawei/seed_fee.json", 0),
    ("bulkgate", "sms_received"): ("bulkgate/seed_dlr_and_reply.json", 2),
    ("bulkgate", "sms_delivered"): ("bulkgate/seed_dlr_and_reply.json", 0),
    ("bulkgate", "sms_buffered"): ("bulkgate/seed_dlr_and_reply.json", 1),
    ("yemot", "sms_received"): ("yemot/seed_sms_incoming_log.json", 0),
}
# The ids the documents hold: the only values a sample changes, besides times.
SEED_IDS = frozenset(
    {
        "f615986c-2001-11e5-bdee-6599352d46ce",
        "kkk919b-aaaa-aaaa-bbbb-ccccccfd40ee",
        "18009123",
        "1201_612_4294967295_20190124030424@callenabler245.huaweicaas.com",
        "CAE-20190124110424-12019775",
        "3t2563af3ff285",
        "2t2563af3ff285",
    }
)
# A documented item without a time (BulkGate's reply) is tried at this moment.
UNDATED = datetime(2019, 4, 11, 8, 11, tzinfo=UTC)
SAMPLES = [
    pytest.param(spec.id, sample, id=f"{spec.id}-{sample.name}")
    for spec in PROVIDERS.values()
    for sample in spec.samples
]


def _seed_event(provider: str, sample: Sample) -> TelephonyEvent:
    """Parse the fixture a sample comes from, as the provider delivers it."""
    name, index = SEEDS[provider, sample.name]
    request = WebhookRequest(
        body=fixture_bytes(name),
        received_at=UNDATED,
        content_type="application/json",
        region=PROVIDERS[provider].default_country,
    )
    return sample.parse(request)[index]


def _differences(seed: Any, tried: Any, ids: dict[str, str], path: str = "") -> list[str]:
    """Walk both; collect where they differ other than by an id (noted in `ids`: seed id to new id)."""
    if seed == tried:
        return []
    if str(seed) in SEED_IDS:
        ids[str(seed)] = str(tried)
        return []
    if isinstance(seed, dict) and isinstance(tried, dict) and seed.keys() == tried.keys():
        return [diff for key in seed for diff in _differences(seed[key], tried[key], ids, f"{path}.{key}")]
    if isinstance(seed, list) and isinstance(tried, list) and len(seed) == len(tried):
        return [
            diff
            for n, (a, b) in enumerate(zip(seed, tried, strict=True))
            for diff in _differences(a, b, ids, f"{path}[{n}]")
        ]
    return [f"{path}: {seed!r} != {tried!r}"]


def test_every_sample_has_its_document() -> None:
    declared = {(spec.id, sample.name) for spec in PROVIDERS.values() for sample in spec.samples}
    assert declared == set(SEEDS)
    # Every provider offers something to try; names are unique per provider.
    for spec in PROVIDERS.values():
        names = [sample.name for sample in spec.samples]
        assert names, spec.id
        assert len(names) == len(set(names))
        assert spec.sample() is spec.samples[0]
        assert spec.sample(names[-1]) is spec.samples[-1]
        assert spec.sample("no_such_sample") is None


@pytest.mark.parametrize(("provider", "sample"), SAMPLES)
def test_sample_at_the_documents_moment_is_the_document(provider: str, sample: Sample) -> None:
    """Tried at the moment the document's event happened, a sample differs from it in its ids only."""
    seed = _seed_event(provider, sample)
    moment = seed.occurred_at or UNDATED
    [tried] = sample.events(moment, PROVIDERS[provider].default_country)
    ids: dict[str, str] = {}
    assert _differences(seed.as_event_data(UTC), tried.as_event_data(UTC), ids) == []
    assert (tried.type, tried.provider, tried.test) == (seed.type, seed.provider, False)
    key = seed.dedupe_key
    for old, new in ids.items():
        assert new != old
        key = key.replace(old, new)
    assert tried.dedupe_key == key
    # A document with ids gets new ones at every try: never the same event twice.
    [again] = sample.events(moment, PROVIDERS[provider].default_country)
    assert (again.dedupe_key == tried.dedupe_key) is (not ids)


@pytest.mark.parametrize(("provider", "sample"), SAMPLES)
def test_sample_happens_at_its_moment(provider: str, sample: Sample) -> None:
    """Tried later, every time of the document moves by as much: its event happens then."""
    seed = _seed_event(provider, sample)
    span = timedelta(days=4000)
    # 4000 days later in real time, told in the provider's own zone (as Home Assistant set to it
    # tells it): the same zone's offsets differ across daylight saving time.
    documented = seed.occurred_at or UNDATED
    moment = (documented.astimezone(UTC) + span).astimezone(documented.tzinfo)
    request = replace(sample.request(moment), region=PROVIDERS[provider].default_country)
    [tried] = sample.parse(request)
    assert request.received_at == moment
    if seed.occurred_at is not None:
        assert tried.occurred_at == moment
        assert str(seed.occurred_at.year) not in request.body.decode()
    seed_data = seed.as_event_data(UTC)
    tried_data = tried.as_event_data(UTC)
    assert tried_data.keys() == seed_data.keys()
    for key, value in seed_data.items():
        if key == "raw" or value == tried_data[key] or str(value) in SEED_IDS:
            continue
        # What else differs is a time, moved by the span (also across a change of daylight saving time).
        assert datetime.fromisoformat(tried_data[key]) - datetime.fromisoformat(value) == span, key
    assert tried.duration == seed.duration


def test_times_are_moved_in_their_spelling() -> None:
    assert moved_iso("2015-07-01T18:00:51+03:00", timedelta(seconds=9.5)) == "2015-07-01T18:01:00+03:00"
    assert moved_micros(1435762855286302, timedelta(seconds=-1)) == 1435762854286302
    jerusalem = clock_mover("%H:%M:%S %Y-%m-%d", ZoneInfo("Asia/Jerusalem"))
    # Real time: an hour later across the spring change of clocks is two hours later on the wall.
    assert jerusalem("01:30:00 2026-03-27", timedelta(hours=1)) == "03:30:00 2026-03-27"
    assert len(new_digits(8)) == 8
    assert new_digits(8)[0] != "0"
