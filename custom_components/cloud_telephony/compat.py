"""What differs between the Home Assistant versions the integration supports (2025.4 to 2026.x)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from homeassistant.config_entries import OptionsFlow as OptionsFlowBase

    OPTIONS_FLOW_RELOADS: bool
else:
    try:
        # Home Assistant 2025.8+: the options flow reloads the entry itself, and update listeners
        # must not be combined with reloading flow methods (an error from 2026.12).
        from homeassistant.config_entries import OptionsFlowWithReload as OptionsFlowBase

        OPTIONS_FLOW_RELOADS = True  # pragma: no cover - newer than the Home Assistant of the tests
    except ImportError:
        from homeassistant.config_entries import OptionsFlow as OptionsFlowBase

        OPTIONS_FLOW_RELOADS = False

__all__ = ["OPTIONS_FLOW_RELOADS", "OptionsFlowBase"]
