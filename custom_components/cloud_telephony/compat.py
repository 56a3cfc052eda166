"""What differs between the Home Assistant versions the integration supports (2025.4 to 2026.x).

For the type checker, the Python version stands for the Home Assistant version: Home Assistant
2026.3 and later need Python 3.14, 2025.4 runs on 3.13, and mypy checks each with its own.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, cast

from homeassistant.helpers.device_registry import DeviceInfo

if TYPE_CHECKING and sys.version_info >= (3, 14):
    # Home Assistant 2026.9 replaced voluptuous with probatio: `import voluptuous` loads probatio,
    # and Home Assistant's signatures name probatio's types.
    import probatio as vol

    from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
    from homeassistant.components.notify.const import NotifyEntityFeature
elif TYPE_CHECKING:
    import voluptuous as vol

    from homeassistant.components.binary_sensor import BinarySensorDeviceClass
    from homeassistant.components.notify import NotifyEntityFeature
else:
    import voluptuous as vol

    # Where every version has them (2025.4 has no notify.const NotifyEntityFeature and no
    # binary_sensor.const).
    from homeassistant.components.binary_sensor import BinarySensorDeviceClass
    from homeassistant.components.notify import NotifyEntityFeature


def via_device(device_id: str, identifier: tuple[str, str]) -> DeviceInfo:
    """Return the device info that puts a device under another one (the account's).

    Home Assistant 2026.8 links by the other device's id (`via_device` is deprecated there);
    2025.4 knows only the link by its identifier.
    """
    if "via_device_id" in DeviceInfo.__required_keys__ | DeviceInfo.__optional_keys__:
        return cast("DeviceInfo", {"via_device_id": device_id})
    return cast("DeviceInfo", {"via_device": identifier})


__all__ = ["BinarySensorDeviceClass", "NotifyEntityFeature", "via_device", "vol"]
