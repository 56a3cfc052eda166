"""The blueprints: valid for Home Assistant's blueprint schema, and run as automations against the fakes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
import re
import shutil
import time
from typing import Any
from urllib.parse import unquote
import uuid

from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

from homeassistant.components.automation.config import AUTOMATION_BLUEPRINT_SCHEMA
from homeassistant.components.blueprint import models
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import device_registry as dr, selector
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util, yaml as yaml_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_fire_time_changed,
    async_mock_service,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from tests.conftest import (
    BULKGATE_ENTRY_ID,
    BULKGATE_WEBHOOK_PATH,
    ENTRY_ID,
    NETGSM_ENTRY_ID,
    NETGSM_WEBHOOK_PATH,
    WEBHOOK_PATH,
    until,
)
from tests.fakes import bulkgate as fake_bulkgate, bulutfon as bulutfon_fake, netgsm as fake_netgsm

BLUEPRINTS = Path(__file__).parent.parent / "blueprints" / "automation" / "cloud_telephony"
SOURCE = (
    "https://github.com/cloud-telephony/ha-cloud-telephony/blob/main/blueprints/automation/cloud_telephony/"
)
FILES = ["alarm_escalation.yaml", "missed_call_notification.yaml", "sms_keyword_action.yaml"]
RAW = "https://raw.githubusercontent.com/cloud-telephony/ha-cloud-telephony/main/blueprints/automation/cloud_telephony/"
FILES_IN_README = ["missed_call_notification.yaml", "alarm_escalation.yaml", "sms_keyword_action.yaml"]
PHONE_WEBHOOK_ID = "mobile-app-webhook-0001"


def _blueprint(name: str) -> models.Blueprint:
    """Load a blueprint as Home Assistant does, with the automation blueprint schema."""
    path = BLUEPRINTS / name
    return models.Blueprint(
        yaml_util.load_yaml(path),
        expected_domain="automation",
        path=str(path),
        schema=AUTOMATION_BLUEPRINT_SCHEMA,
    )


def test_the_blueprints_are_these() -> None:
    assert sorted(path.name for path in BLUEPRINTS.iterdir()) == FILES


def test_the_readme_imports_each_blueprint() -> None:
    """Each blueprint has its "Import blueprint" button: my.home-assistant.io with its raw GitHub URL."""
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    links = re.findall(
        r"https://my\.home-assistant\.io/redirect/blueprint_import/\?blueprint_url=([^)\s]+)", readme
    )
    assert [unquote(link) for link in links] == [RAW + name for name in FILES_IN_README]


@pytest.mark.parametrize("name", FILES)
def test_blueprint_is_valid(name: str) -> None:
    blueprint = _blueprint(name)
    metadata = blueprint.metadata
    assert metadata["domain"] == "automation"
    assert metadata["name"]
    assert len(metadata["description"]) > 80
    assert metadata["source_url"] == SOURCE + name
    assert metadata["homeassistant"]["min_version"] == "2025.4.0"
    for key, spec in blueprint.inputs.items():
        assert spec["name"], key
        # A selector Home Assistant knows, and a default it takes.
        chosen = selector.selector(spec["selector"])
        if "default" in spec:
            chosen(spec["default"])


@pytest.fixture
async def blueprint_folder(hass: HomeAssistant, tmp_path: Path) -> Path:
    """Copy the blueprints where Home Assistant looks for them, in a configuration folder of its own."""
    hass.config.config_dir = str(tmp_path / "config")
    folder = Path(hass.config.path("blueprints/automation/cloud_telephony"))

    def install() -> None:
        folder.mkdir(parents=True)
        for name in FILES:
            shutil.copy(BLUEPRINTS / name, folder / name)

    await hass.async_add_executor_job(install)
    return folder


async def _automation(hass: HomeAssistant, name: str, **inputs: Any) -> None:
    """Create an automation from the blueprint with these inputs (as the automation editor saves it)."""
    config = {
        "alias": name.removesuffix(".yaml"),
        "use_blueprint": {"path": f"cloud_telephony/{name}", "input": inputs},
    }
    assert await async_setup_component(hass, "automation", {"automation": [config]})
    await hass.async_block_till_done()
    assert hass.states.get(f"automation.{name.removesuffix('.yaml')}").state == "on"


class FakePushService:
    """The phone's push relay: what Home Assistant's mobile app integration pushes to the phone."""

    def __init__(self) -> None:
        self.pushed: list[dict[str, Any]] = []

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/push", self.push)
        return app

    async def push(self, request: web.Request) -> web.Response:
        self.pushed.append(await request.json())
        return web.json_response({}, status=201)


@pytest.fixture
async def phone(
    hass: HomeAssistant, socket_enabled: None, hass_admin_user: MockUser, device_registry: dr.DeviceRegistry
) -> AsyncIterator[tuple[str, FakePushService]]:
    """Register a phone with the Home Assistant app and push notifications; yield its device id."""
    relay = FakePushService()
    server = TestServer(relay.app(), host="127.0.0.1")
    await server.start_server()
    entry = MockConfigEntry(
        domain="mobile_app",
        source="registration",
        title="My phone",
        version=1,
        data={
            "app_data": {"push_token": "push-token", "push_url": str(server.make_url("/push"))},
            "app_id": "io.homeassistant.mobile_app",
            "app_name": "Home Assistant",
            "app_version": "2025.4",
            "device_id": "phone-0001",
            "device_name": "My phone",
            "manufacturer": "Google",
            "model": "Pixel",
            "os_name": "Android",
            "os_version": "15",
            "secret": "phone-secret",
            "supports_encryption": False,
            "user_id": hass_admin_user.id,
            "webhook_id": PHONE_WEBHOOK_ID,
        },
    )
    entry.add_to_hass(hass)
    assert await async_setup_component(hass, "mobile_app", {"mobile_app": {}})
    await hass.async_block_till_done()
    [device] = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
    try:
        yield device.id, relay
    finally:
        await server.close()


async def _tap(client: Any, action: str) -> None:
    """Report a tap on a notification's button, as the phone's app does (to its webhook)."""
    body = {
        "type": "fire_event",
        "data": {"event_type": "mobile_app_notification_action", "event_data": {"action": action}},
    }
    assert (await client.post(f"/api/webhook/{PHONE_WEBHOOK_ID}", json=body)).status == 200


def _missed_call(caller: int = 905326200000) -> dict[str, Any]:
    """Return a missed call to the PBX as Bulutfon posts it (Ayşe is in the account's contacts)."""
    return {
        "event_type": "missing_call",
        "caller": caller,
        "callee": 908508850000,
        "uuid": str(uuid.uuid4()),
        "direction": "IN",
        "timestamp": int(time.time() * 1_000_000),
    }


@dataclass
class Office:
    """The PBX that misses calls, an account that sends SMS, the phone, and the webhooks' client."""

    pbx: bulutfon_fake.FakeBulutfon
    sms: fake_netgsm.FakeNetgsm
    phone: str
    relay: FakePushService
    client: Any

    async def missed_call(
        self, hass: HomeAssistant, caller: int = 905326200000, **inputs: Any
    ) -> dict[str, Any]:
        """Set up the missed call blueprint, let the PBX miss a call, and return what the phone got."""
        await _automation(hass, "missed_call_notification.yaml", account=ENTRY_ID, phone=self.phone, **inputs)
        assert (await self.client.post(WEBHOOK_PATH, json=_missed_call(caller))).status == 200
        await until(lambda: self.relay.pushed)
        [push] = self.relay.pushed
        assert push["registration_info"]["webhook_id"] == PHONE_WEBHOOK_ID
        return push


@pytest.fixture
async def office(
    blueprint_folder: Path,
    phone: tuple[str, FakePushService],
    bulutfon_v2: tuple[bulutfon_fake.FakeBulutfon, str, MockConfigEntry],
    netgsm: fake_netgsm.FakeNetgsm,
    hass_client_no_auth: ClientSessionGenerator,
) -> Office:
    """Set up the office: a Bulutfon PBX with an API v2 key (it can call back), Netgsm, a phone."""
    return Office(bulutfon_v2[0], netgsm, *phone, await hass_client_no_auth())


async def test_missed_call_notification_calls_back(hass: HomeAssistant, office: Office) -> None:
    push = await office.missed_call(hass, call_back_extension="1001", sms_account=NETGSM_ENTRY_ID)
    assert push["title"] == "Missed call"
    assert push["message"] == "Ayşe (+905326200000) → Office PBX"
    call_back, sms_back = push["data"]["actions"]
    assert call_back["title"] == "Call back"
    assert sms_back["title"] == "SMS back"
    assert call_back["action"].startswith("CLOUD_TELEPHONY_CALL_BACK_")

    await _tap(office.client, "CLOUD_TELEPHONY_CALL_BACK_someone_elses")  # another notification's button
    await _tap(office.client, call_back["action"])
    await until(lambda: office.pbx.bridged)
    assert office.pbx.bridged == [
        {"apikey": bulutfon_fake.V2_KEY, "extension": "1001", "destination": "+905326200000"}
    ]
    assert office.sms.sms_sent == []


async def test_missed_call_notification_sms_back(hass: HomeAssistant, office: Office) -> None:
    reply = "Toplantıdayım, sizi arayacağım."
    push = await office.missed_call(hass, sms_account=NETGSM_ENTRY_ID, sms_reply=reply)
    # No extension given: no Call back button.
    [sms_back] = push["data"]["actions"]
    await _tap(office.client, sms_back["action"])
    await until(lambda: office.sms.sms_sent)
    assert office.sms.sms_sent[0]["messages"] == [{"msg": reply, "no": "5326200000"}]
    assert office.pbx.bridged == []


async def test_missed_call_notification_without_buttons(hass: HomeAssistant, office: Office) -> None:
    """Neither an extension nor an SMS account: a plain notification, and nothing waits for a tap."""
    push = await office.missed_call(hass, 905559998877, title="Kaçan arama")
    assert push["title"] == "Kaçan arama"
    assert push["message"] == "+905559998877 → Office PBX"
    assert push["data"]["actions"] == []
    await hass.async_block_till_done()
    assert hass.states.get("automation.missed_call_notification").attributes["current"] == 0


async def _alarm(hass: HomeAssistant, sensor: str, **inputs: Any) -> list[ServiceCall]:
    """Set up the alarm blueprint on a sensor that is off, then turn it on; return the siren's calls."""
    siren = async_mock_service(hass, "test", "siren")
    hass.states.async_set(sensor, "off")
    await _automation(hass, "alarm_escalation.yaml", sensor=sensor, account=NETGSM_ENTRY_ID, **inputs)
    hass.states.async_set(sensor, "on")
    return siren


@pytest.mark.usefixtures("blueprint_folder", "external_url")
async def test_alarm_escalation_calls_until_acknowledged(
    hass: HomeAssistant, netgsm: fake_netgsm.FakeNetgsm, hass_client_no_auth: ClientSessionGenerator
) -> None:
    nobody = await _alarm(
        hass,
        "binary_sensor.kitchen_smoke",
        numbers=["+905320000001", "+905320000002"],
        message="Mutfakta duman var. İlgileniyorsanız 1'e basın.",
        acknowledged_message="Teşekkürler.",
        sms_message="Mutfakta duman alarmı.",
        nobody_actions=[{"action": "test.siren"}],
    )
    client = await hass_client_no_auth()
    for calls, (callee, state, key) in enumerate((("5320000001", 2, None), ("5320000002", 1, "1")), 1):
        await until(lambda calls=calls: len(netgsm.sent_xml) >= calls)
        job = fake_netgsm.FIRST_JOB_ID + calls - 1
        post = {"bulkid": job, "callee": callee, "state": state, "type": 3, "detail": {"push_button": key}}
        assert (await client.post(NETGSM_WEBHOOK_PATH, json=post)).status == 200
    await until(lambda: len(netgsm.sms_sent) == 2)
    await hass.async_block_till_done()

    assert "<text>Mutfakta duman var. İlgileniyorsanız 1'e basın.</text>" in netgsm.sent_xml[0]
    assert [sent["messages"][0]["msg"] for sent in netgsm.sms_sent] == [
        "Mutfakta duman alarmı.\nAcknowledged by +905320000002."
    ] * 2
    assert nobody == []  # someone acknowledged


@pytest.mark.usefixtures("blueprint_folder", "external_url")
async def test_alarm_escalation_falls_back_when_it_cannot_call(
    hass: HomeAssistant, netgsm: fake_netgsm.FakeNetgsm
) -> None:
    """The account is not loaded: the escalation fails, and the fallback is what is left, so it runs."""
    assert await hass.config_entries.async_unload(NETGSM_ENTRY_ID)
    siren = await _alarm(
        hass, "binary_sensor.hall_smoke", numbers=["+905320000001"], nobody_actions=[{"action": "test.siren"}]
    )
    await until(lambda: siren)
    assert netgsm.sent_xml == []


@pytest.mark.usefixtures("blueprint_folder", "external_url")
async def test_alarm_escalation_when_nobody_acknowledges(
    hass: HomeAssistant, netgsm: fake_netgsm.FakeNetgsm, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """A door left open for 30 seconds: one call, nobody answers, the siren gets the response."""
    siren = await _alarm(
        hass,
        "binary_sensor.front_door",
        for_duration={"seconds": 30},
        numbers=["0532 000 00 01"],
        nobody_actions=[{"action": "test.siren", "data": {"calls": "{{ escalation.calls | count }}"}}],
    )
    await hass.async_block_till_done()
    assert netgsm.sent_xml == []  # not open long enough yet
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
    await until(lambda: netgsm.sent_xml)
    client = await hass_client_no_auth()
    post = {"bulkid": fake_netgsm.FIRST_JOB_ID, "callee": "5320000001", "state": 7, "type": 3}
    assert (await client.post(NETGSM_WEBHOOK_PATH, json=post)).status == 200
    await until(lambda: siren)
    assert siren[0].data == {"calls": 1}
    # The defaults: the text and thanks of the blueprint, key 1, no SMS.
    assert "<text>Alarm at home. Press 1 if you are taking care of it.</text>" in netgsm.sent_xml[0]
    assert "<keyinfo>1</keyinfo><text>Thank you, it is yours.</text>" in netgsm.sent_xml[0]
    assert netgsm.sms_sent == []


@pytest.mark.usefixtures("blueprint_folder")
async def test_sms_keyword_runs_the_actions(
    hass: HomeAssistant, bulkgate: fake_bulkgate.FakeBulkGate, hass_client_no_auth: ClientSessionGenerator
) -> None:
    garage = async_mock_service(hass, "test", "close_garage")
    # The reply the blueprint's description shows: data written whole, the number keeps its +.
    reply = (
        "{{ {'config_entry_id': account, 'to': trigger.event.data.caller, 'message': 'Closing: ' ~ rest} }}"
    )
    await _automation(
        hass,
        "sms_keyword_action.yaml",
        account=BULKGATE_ENTRY_ID,
        keyword="Close",
        # National (matches the end), international (matches in full), too short (ignored), blank.
        allowed_senders=["603 123 456", "+44 7700 900123", "456", ""],
        actions=[
            {"action": "test.close_garage", "data": {"who": "{{ sender_name }}", "text": "{{ text }}"}},
            {"action": "cloud_telephony.send_sms", "data": reply},
        ],
    )
    client = await hass_client_no_auth()
    posts = [
        {"status": "10", "from": "420603123456", "message": "close! the garage"},  # the keyword: runs
        {"status": "10", "from": "420603123456", "message": "Open the garage"},  # another word
        {"status": "10", "from": "420603123456", "message": "Please close"},  # not the first word
        {"status": "10", "from": "420777777777", "message": "CLOSE"},  # not an allowed sender
        {"status": "10", "from": "420111111456", "message": "close"},  # "456" is too short to allow it
        {"status": "10", "from": "17700900123", "message": "close"},  # another country's number
        {"status": "10", "from": "447700900123", "message": "close up"},  # the international one: runs
    ]
    for post in posts:
        assert (await client.post(BULKGATE_WEBHOOK_PATH, json=[post])).status == 200
    await until(lambda: len(bulkgate.sent) == 2)
    await hass.async_block_till_done()

    assert [call.data["text"] for call in garage] == ["close! the garage", "close up"]
    assert garage[0].data["who"] == "Anna"
    assert [(sent["number"], sent["text"]) for sent in bulkgate.sent] == [
        ("420603123456", "Closing: the garage"),
        ("447700900123", "Closing: up"),
    ]


@pytest.mark.usefixtures("blueprint_folder")
async def test_sms_keyword_from_anyone(
    hass: HomeAssistant, bulkgate: fake_bulkgate.FakeBulkGate, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """No allowed senders: anyone's keyword counts; a numeric keyword too."""
    arm = async_mock_service(hass, "test", "arm")
    await _automation(
        hass,
        "sms_keyword_action.yaml",
        account=BULKGATE_ENTRY_ID,
        keyword="1234",
        actions=[{"action": "test.arm"}],
    )
    client = await hass_client_no_auth()
    for post in (
        {"status": "10", "from": "420777777777", "message": "1234"},
        {"status": "10", "from": "1", "text": ""},
    ):
        assert (await client.post(BULKGATE_WEBHOOK_PATH, json=[post])).status == 200
    await until(lambda: arm)
    await hass.async_block_till_done()
    assert len(arm) == 1
