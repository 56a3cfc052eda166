"""Huawei Cloud end to end: voice codes with their outcome, status pushes, 50-record fee pushes."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta
import itertools
import json
from typing import Any
from unittest.mock import patch

import pytest

from homeassistant.components import cloud
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.cloud_telephony.api.huawei import password_digest
from custom_components.cloud_telephony.const import DOMAIN
from tests.conftest import (
    EXTERNAL_URL,
    HUAWEI_ENTRY_ID,
    HUAWEI_WEBHOOK_ID,
    HUAWEI_WEBHOOK_PATH,
    SetupEntry,
    change_options,
    entry_variant,
    fixture_bytes,
)
from tests.fakes import huawei as fake

CLOUDHOOK_URL = "https://hooks.nabu.casa/huawei-results"

CALL_RESULTS = "event.huawei_cloud_8653159511234_call_results"
CALL_RECORDS = "event.huawei_cloud_8653159511234_call_records"
LAST_CALL_STATUS = "sensor.huawei_cloud_8653159511234_last_call_result"


@pytest.fixture
async def huawei(
    hass: HomeAssistant, huawei_entry: MockConfigEntry, setup_entry: SetupEntry, fake_huawei: tuple[Any, str]
) -> fake.FakeHuawei:
    """Set up the Huawei entry against the fake API; return the fake."""
    await setup_entry(huawei_entry)
    assert huawei_entry.state is ConfigEntryState.LOADED
    return fake_huawei[0]


def _status(kind: str, **info: Any) -> dict[str, Any]:
    return {
        "eventType": kind,
        "statusInfo": {
            "sessionId": fake.SESSION_ID,
            "timestamp": "2026-11-23 10:00:00",
            "caller": "+8653159511234",
            "called": "+8613500000001",
            **info,
        },
    }


async def test_entities(
    hass: HomeAssistant, huawei: fake.FakeHuawei, entity_registry: er.EntityRegistry
) -> None:
    entities = {
        entry.entity_id for entry in er.async_entries_for_config_entry(entity_registry, HUAWEI_ENTRY_ID)
    }
    stored = "event.huawei_cloud_8653159511234_stored_files"
    recent = "sensor.huawei_cloud_8653159511234_recent_calls"
    button = "button.huawei_cloud_8653159511234_send_a_test_event"
    assert entities == {CALL_RESULTS, CALL_RECORDS, LAST_CALL_STATUS, stored, recent, button}
    assert huawei.calls == []  # setting up placed no call


@pytest.mark.usefixtures("external_url")
async def test_voice_code_waits_for_the_outcome(
    hass: HomeAssistant, huawei: fake.FakeHuawei, hass_client_no_auth: ClientSessionGenerator
) -> None:
    client = await hass_client_no_auth()
    task = hass.async_create_task(
        hass.services.async_call(
            DOMAIN,
            "send_voice_code",
            {
                "config_entry_id": HUAWEI_ENTRY_ID,
                "to": "+8613500000001",
                "code": "4711",
                "language": "zh",
                "repeat": 2,
                "wait_for_result": True,
                "timeout": 60,
            },
            blocking=True,
            return_response=True,
        )
    )
    for _ in range(20_000):
        if huawei.calls:
            break
        await asyncio.sleep(0)
    [body] = huawei.calls
    expected_url = base64.b64encode(f"{EXTERNAL_URL}/api/webhook/{HUAWEI_WEBHOOK_ID}".encode()).decode()
    assert body["statusUrl"] == body["feeUrl"] == expected_url
    assert (body["verifyCode"], body["times"], body["preTone"], body["languageType"]) == (
        "4711",
        2,
        "pretone.wav",
        2,
    )
    for push in (
        _status("callout"),
        _status("alerting"),
        _status("answer"),
        _status("collectInfo", digitInfo="1"),
        _status("disconnect", stateCode=0, stateDesc="The user releases the call."),
    ):
        response = await client.post(HUAWEI_WEBHOOK_PATH, json=push)
        assert response.status == 200
    result = await task
    assert result["message_id"] == fake.SESSION_ID
    assert result["complete"] is True
    assert result["results"] == [
        {
            "to": "+8613500000001",
            "status": "completed",
            "key_pressed": "1",
            "duration": None,
            "key_result": None,
        }
    ]
    assert hass.states.get(LAST_CALL_STATUS).state == "completed"
    assert hass.states.get(LAST_CALL_STATUS).attributes["key_pressed"] is None


@pytest.mark.usefixtures("external_url")
async def test_voice_notification_with_a_key_press_returned_by_wait_for_result(
    hass: HomeAssistant, huawei: fake.FakeHuawei, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """The smoke-alarm call: a template read out, one key collected, the key in the action's result."""
    client = await hass_client_no_auth()
    task = hass.async_create_task(
        hass.services.async_call(
            DOMAIN,
            "send_voice_message",
            {
                "config_entry_id": HUAWEI_ENTRY_ID,
                "to": "+8613500000001",
                "message": "厨房有烟",
                "template_id": "smoke_alarm_01",
                "keys": {"1": None},
                "wait_for_result": True,
                "timeout": 60,
            },
            blocking=True,
            return_response=True,
        )
    )
    for _ in range(20_000):
        if huawei.notifications:
            break
        await asyncio.sleep(0)
    [body] = huawei.notifications
    assert body["calleeNbr"] == "+8613500000001"
    assert body["displayNbr"] == "+8653159511234"
    assert body["playInfoList"] == [
        {
            "templateId": "smoke_alarm_01",
            "templateParas": ["厨房有烟"],
            "collectInd": 1,
            "replayAfterCollection": "false",
        }
    ]
    expected_url = base64.b64encode(f"{EXTERNAL_URL}/api/webhook/{HUAWEI_WEBHOOK_ID}".encode()).decode()
    assert body["statusUrl"] == body["feeUrl"] == expected_url
    for push in (
        _status("answer"),
        _status("collectInfo", digitInfo="1"),
        _status("disconnect", stateCode=0, stateDesc="The user releases the call."),
    ):
        assert (await client.post(HUAWEI_WEBHOOK_PATH, json=push)).status == 200
    result = await task
    assert result["message_id"] == fake.SESSION_ID
    assert result["complete"] is True
    [outcome] = result["results"]
    assert (outcome["status"], outcome["key_pressed"]) == ("completed", "1")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"message": "x"}, "approved template"),
        ({"message": "x", "template_id": "missing"}, r"template ID does not exist\. \(1012003\)"),
        ({"message": "x", "template_id": "two_texts"}, r"1012004"),
        ({"audio_id": "alarm.wav", "keys": {"1": "thanks"}}, "nothing is played after a key press"),
        ({"audio_id": "alarm.wav", "to": ["+8613500000001", "+8613500000002"]}, "one number"),
    ],
)
async def test_voice_notification_refusals_are_explained(
    hass: HomeAssistant, huawei: fake.FakeHuawei, data: dict[str, Any], reason: str
) -> None:
    with pytest.raises(HomeAssistantError, match=reason):
        await hass.services.async_call(
            DOMAIN,
            "send_voice_message",
            {"config_entry_id": HUAWEI_ENTRY_ID, "to": "+8613500000001", **data},
            blocking=True,
            return_response=True,
        )


async def test_voice_notification_plays_approved_audio(hass: HomeAssistant, huawei: fake.FakeHuawei) -> None:
    series = [{"audio_id": "intro.wav"}, {"text": "一楼"}, {"text": "二楼"}, {"audio_id": "outro.wav"}]
    await hass.services.async_call(
        DOMAIN,
        "send_voice_message",
        {
            "config_entry_id": HUAWEI_ENTRY_ID,
            "to": "+8613500000001",
            "series": series,
            "template_id": "two_texts",
        },
        blocking=True,
        return_response=True,
    )
    [body] = huawei.notifications
    assert body["playInfoList"] == [
        {"notifyVoice": "intro.wav"},
        {"templateId": "two_texts", "templateParas": ["一楼", "二楼"]},
        {"notifyVoice": "outro.wav"},
    ]
    assert "statusUrl" not in body


@pytest.mark.usefixtures("external_url")
async def test_failed_call_reports_the_state_code(
    hass: HomeAssistant, huawei: fake.FakeHuawei, hass_client_no_auth: ClientSessionGenerator
) -> None:
    events = async_capture_events(hass, "cloud_telephony_call_status")
    client = await hass_client_no_auth()
    await client.post(
        HUAWEI_WEBHOOK_PATH, json=_status("disconnect", stateCode=8102, stateDesc="callee busy")
    )
    await hass.async_block_till_done()
    [event] = events
    assert (event.data["status"], event.data["state_code"], event.data["state_description"]) == (
        "busy",
        8102,
        "callee busy",
    )
    assert hass.states.get(LAST_CALL_STATUS).state == "busy"


async def test_fifty_fee_records_and_the_retry(
    hass: HomeAssistant, huawei: fake.FakeHuawei, hass_client_no_auth: ClientSessionGenerator
) -> None:
    records = async_capture_events(hass, "cloud_telephony_call_record")
    template = json.loads(fixture_bytes("huawei/seed_fee.json"))["feeLst"][0]
    push = {
        "eventType": "fee",
        "feeLst": [
            {**template, "icid": f"CAE-{index}", "sessionId": f"session-{index}"} for index in range(50)
        ],
    }
    client = await hass_client_no_auth()
    first = await client.post(HUAWEI_WEBHOOK_PATH, json=push)
    assert await first.json() == {"accepted": 50, "duplicates": 0}
    # Huawei re-pushes up to six times when it doubts the first delivery.
    retry = await client.post(HUAWEI_WEBHOOK_PATH, json=push)
    assert await retry.json() == {"accepted": 0, "duplicates": 50}
    documented = await client.post(HUAWEI_WEBHOOK_PATH, data=fixture_bytes("huawei/seed_fee.json"))
    assert await documented.json() == {"accepted": 1, "duplicates": 0}
    await hass.async_block_till_done()
    assert len(records) == 51
    assert records[-1].data["duration"] == 18
    assert hass.states.get(CALL_RECORDS).attributes["icid"] == "CAE-20190124110424-12019775"


NONCES = itertools.count()


def _signed_headers(
    message_for: str, *, nonce: str | None = None, created: datetime | None = None
) -> dict[str, str]:
    nonce = nonce or f"n{next(NONCES)}"
    written = (created or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = password_digest(
        fake.APP_SECRET, message_for.replace("{nonce}", nonce).replace("{created}", written)
    )
    fields = f'Username="{fake.APP_KEY}",PasswordDigest="{digest}",Nonce="{nonce}",Created="{written}"'
    return {"X-AKSK": f"UsernameToken {fields}"}


@pytest.mark.usefixtures("external_url")
async def test_signature_is_lenient_by_default_and_strict_on_request(
    hass: HomeAssistant,
    huawei_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    strict = entry_variant(huawei_entry, options={"strict_signature": True})
    await setup_entry(strict)
    client = await hass_client_no_auth()
    unsigned = await client.post(HUAWEI_WEBHOOK_PATH, json=_status("callout"))
    assert unsigned.status == 401
    signed = await client.post(
        HUAWEI_WEBHOOK_PATH, json=_status("callout"), headers=_signed_headers("{nonce}{created}")
    )
    assert signed.status == 200
    url = f"{EXTERNAL_URL}/api/webhook/{HUAWEI_WEBHOOK_ID}"
    over_url = await client.post(
        HUAWEI_WEBHOOK_PATH, json=_status("alerting"), headers=_signed_headers(url + "\n{nonce}\n{created}")
    )
    assert over_url.status == 200
    await change_options(hass, strict, strict_signature=False)
    lenient = await client.post(HUAWEI_WEBHOOK_PATH, json=_status("answer"))
    assert lenient.status == 200


@pytest.mark.usefixtures("external_url")
async def test_strict_mode_refuses_replayed_and_old_pushes(
    hass: HomeAssistant,
    huawei_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A captured signed push cannot be sent again: its nonce repeats, or its time is old."""
    await setup_entry(entry_variant(huawei_entry, options={"strict_signature": True}))
    client = await hass_client_no_auth()
    headers = _signed_headers("{nonce}{created}", nonce="captured")
    first = await client.post(HUAWEI_WEBHOOK_PATH, json=_status("callout"), headers=headers)
    assert first.status == 200
    replayed = await client.post(HUAWEI_WEBHOOK_PATH, json=_status("alerting"), headers=headers)
    assert replayed.status == 401
    assert "nonce repeats" in (await replayed.json())["error"]
    old = _signed_headers("{nonce}{created}", created=datetime.now(UTC) - timedelta(minutes=20))
    stale = await client.post(HUAWEI_WEBHOOK_PATH, json=_status("answer"), headers=old)
    assert stale.status == 401
    assert (await stale.json())["error"] == "signature is not recent (Created)"


@pytest.mark.parametrize(
    "fields",
    [
        'Username="clé",PasswordDigest="x",Nonce="abc",Created="now"',
        f'Username="{fake.APP_KEY}",PasswordDigest="dïgest",Nonce="abc",Created="now"',
    ],
)
async def test_signature_header_with_other_characters(
    hass: HomeAssistant,
    huawei_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    hass_client_no_auth: ClientSessionGenerator,
    fields: str,
) -> None:
    """Anyone can send headers: letters outside ASCII are a wrong signature, never a crash."""
    await setup_entry(entry_variant(huawei_entry, options={"strict_signature": True}))
    client = await hass_client_no_auth()
    response = await client.post(
        HUAWEI_WEBHOOK_PATH, json=_status("callout"), headers={"X-AKSK": f"UsernameToken {fields}"}
    )
    assert response.status == 401


async def test_errors_of_the_action(hass: HomeAssistant, huawei: fake.FakeHuawei) -> None:
    async def send(**data: Any) -> Any:
        return await hass.services.async_call(
            DOMAIN,
            "send_voice_code",
            {"config_entry_id": HUAWEI_ENTRY_ID, "to": "+8613500000001", "code": "4711", **data},
            blocking=True,
            return_response=True,
        )

    with pytest.raises(ServiceValidationError, match="2 to 8 digits"):
        await send(code="123456789")
    # A number that is not international is refused before Huawei is asked, and said so.
    with pytest.raises(
        ServiceValidationError, match=r"^Not sent to Huawei Cloud: 12 is not an international"
    ) as bad:
        await send(to="12")
    assert bad.value.translation_key == "invalid_request"
    assert huawei.notifications == []
    huawei.reply = {"resultcode": "1010010", "resultdesc": "Flow control"}
    with pytest.raises(HomeAssistantError, match="flow control"):
        await send()
    huawei.reply = None
    with (
        patch(
            "custom_components.cloud_telephony.api.huawei.datetime",
            wraps=datetime,
        ) as clock,
    ):
        clock.now.return_value = datetime.now(UTC) - timedelta(hours=3)
        with pytest.raises(HomeAssistantError, match="check that Home Assistant's clock is right") as caught:
            await send()
    assert caught.value.translation_key == "provider_error"
    response = await send()
    assert response["message_id"] == fake.SESSION_ID
    assert response["results_by"] == "none"  # no public address: Huawei has no report to poll


@pytest.mark.usefixtures("external_url")
async def test_config_flow(hass: HomeAssistant, fake_huawei: tuple[fake.FakeHuawei, str]) -> None:
    server, url = fake_huawei
    user_input = {
        "app_key": fake.APP_KEY,
        "app_secret": "wrong",
        "base_url": url,
        "display_number": "+8653159511234",
        "pre_tone": "pretone.wav",
        "language_type": 2,
        "country": "CN",
    }
    with patch("custom_components.cloud_telephony.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "huawei"})
        result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
        assert result["errors"] == {"base": "invalid_auth"}
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {**user_input, "app_secret": fake.APP_SECRET, "display_number": "053159511234"}
        )
        assert result["errors"] == {"base": "invalid_request"}
        assert "display number" in result["description_placeholders"]["reason"]
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {**user_input, "app_secret": fake.APP_SECRET, "language_type": 2.0}
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Huawei Cloud +8653159511234"
    assert result["data"]["language_type"] == 2
    assert result["options"] == {"country": "CN", "strict_signature": False}
    assert result["result"].unique_id == f"huawei_{fake.APP_KEY}"
    assert server.calls == []  # checking placed no call


@pytest.mark.usefixtures("fake_huawei")
async def test_reauth_reconfigure_and_options(hass: HomeAssistant, huawei_entry: MockConfigEntry) -> None:
    entry = entry_variant(huawei_entry, data={"app_secret": "old"})
    entry.add_to_hass(hass)
    with patch("custom_components.cloud_telephony.async_setup_entry", return_value=True):
        result = await entry.start_reauth_flow(hass)
        assert list(result["data_schema"].schema) == ["app_secret"]
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"app_secret": fake.APP_SECRET}
        )
        assert result["reason"] == "reauth_successful"
        result = await entry.start_reconfigure_flow(hass)
        reconfigured = {
            "app_secret": fake.APP_SECRET,
            "base_url": entry.data["base_url"],
            "display_number": "+8653159511234",
            "pre_tone": "new-tone.wav",
            "post_tone": "after.wav",
            "language_type": 2,
        }
        result = await hass.config_entries.flow.async_configure(result["flow_id"], reconfigured)
        assert result["reason"] == "reconfigure_successful"
        # The entry's reload, which the flow scheduled, with setup still patched.
        await hass.async_block_till_done()
    assert (entry.data["pre_tone"], entry.data["post_tone"]) == ("new-tone.wav", "after.wav")
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert [str(key) for key in result["data_schema"].schema] == [
        "country",
        "strict_signature",
        "media_folder",
        "retention_days",
        "retention_count",
    ]


async def test_without_public_url_a_repair_issue_says_results_cannot_arrive(
    hass: HomeAssistant, huawei: fake.FakeHuawei, issue_registry: ir.IssueRegistry
) -> None:
    await _send_code(hass)
    issue = issue_registry.async_get_issue(DOMAIN, f"no_public_url_{HUAWEI_ENTRY_ID}")
    assert issue is not None
    # Huawei has no report to poll: the notice must not promise that results are fetched.
    assert issue.translation_key == "no_public_url_no_report"
    assert "statusUrl" not in huawei.calls[-1]

    # Removing the account removes its notice.
    await hass.config_entries.async_remove(HUAWEI_ENTRY_ID)
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, f"no_public_url_{HUAWEI_ENTRY_ID}") is None


async def test_cloud_turned_on_later_gives_the_next_call_a_cloudhook(
    hass: HomeAssistant,
    huawei: fake.FakeHuawei,
    huawei_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    await _send_code(hass)
    assert issue_registry.async_get_issue(DOMAIN, f"no_public_url_{HUAWEI_ENTRY_ID}") is not None

    hass.config.components.add("cloud")
    with (
        patch.object(cloud, "async_active_subscription", return_value=True),
        patch.object(cloud, "async_get_or_create_cloudhook", return_value=CLOUDHOOK_URL) as create,
        patch.object(hass.config_entries, "async_schedule_reload") as reload,
    ):
        response = await _send_code(hass)
        await hass.async_block_till_done()
    create.assert_awaited_once_with(hass, HUAWEI_WEBHOOK_ID)
    # Storing it does not reload the account under the call it was made for.
    reload.assert_not_called()
    assert response["results_by"] == "webhook"
    assert base64.b64decode(huawei.calls[-1]["statusUrl"]).decode() == CLOUDHOOK_URL
    assert huawei_entry.data["cloudhook_url"] == CLOUDHOOK_URL
    assert issue_registry.async_get_issue(DOMAIN, f"no_public_url_{HUAWEI_ENTRY_ID}") is None

    # Later calls use the stored cloudhook, also when Cloud is briefly unavailable.
    with patch.object(cloud, "async_active_subscription", return_value=False):
        response = await _send_code(hass)
    assert response["results_by"] == "webhook"


async def test_cloud_without_a_subscription_is_not_asked(
    hass: HomeAssistant, huawei: fake.FakeHuawei
) -> None:
    hass.config.components.add("cloud")
    with (
        patch.object(cloud, "async_active_subscription", return_value=False),
        patch.object(cloud, "async_get_or_create_cloudhook") as create,
    ):
        response = await _send_code(hass)
    create.assert_not_called()
    assert response["results_by"] == "none"


@pytest.mark.parametrize("cloud_error", [cloud.CloudNotConnected, cloud.CloudNotAvailable])
async def test_cloud_that_cannot_give_a_cloudhook(
    hass: HomeAssistant, huawei: fake.FakeHuawei, cloud_error: type[Exception]
) -> None:
    hass.config.components.add("cloud")
    with (
        patch.object(cloud, "async_active_subscription", return_value=True),
        patch.object(cloud, "async_get_or_create_cloudhook", side_effect=cloud_error),
    ):
        response = await _send_code(hass)
    assert response["results_by"] == "none"


async def _send_code(hass: HomeAssistant) -> Any:
    return await hass.services.async_call(
        DOMAIN,
        "send_voice_code",
        {"config_entry_id": HUAWEI_ENTRY_ID, "to": "+8613500000001", "code": "4711"},
        blocking=True,
        return_response=True,
    )
