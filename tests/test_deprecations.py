"""The run fails when Home Assistant reports a deprecated use by the integration (conftest)."""

from __future__ import annotations

import logging

import pytest

from homeassistant.core import HomeAssistant
from homeassistant.helpers.frame import ReportBehavior, report_usage
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.conftest import SetupEntry, deprecation_reports


@pytest.mark.reports_deprecation
async def test_a_reported_deprecated_use_is_caught(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Home Assistant's own report of a use that stops working is what the check looks for."""
    await setup_entry(mock_config_entry)
    assert deprecation_reports(caplog.records) == []
    report_usage(
        "uses an API that goes away",
        breaks_in_ha_version="2099.1.0",
        core_behavior=ReportBehavior.LOG,
        custom_integration_behavior=ReportBehavior.LOG,
        integration_domain="cloud_telephony",
    )
    [report] = deprecation_reports(caplog.records)
    assert "Detected that custom integration 'cloud_telephony' uses an API that goes away" in report


def test_other_warnings_are_not_deprecations() -> None:
    records = [
        logging.LogRecord("x", logging.WARNING, __file__, 1, message, None, None)
        for message in (
            "We found a custom integration cloud_telephony which has not been tested by Home Assistant",
            "Refused a webhook post for Office PBX: basic authentication failed",
            "helpers.foo is deprecated",  # not about this integration
        )
    ]
    assert deprecation_reports(records) == []
