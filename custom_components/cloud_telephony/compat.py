"""What differs between the Home Assistant versions the integration supports (2025.4 to 2026.x).

For the type checker, the Python version stands for the Home Assistant version: Home Assistant
2026.3 and later need Python 3.14, 2025.4 runs on 3.13, and mypy checks each with its own.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING and sys.version_info >= (3, 14):
    # Home Assistant 2026.9 replaced voluptuous with probatio: `import voluptuous` loads probatio,
    # and Home Assistant's signatures name probatio's types.
    import probatio as vol

    from homeassistant.components.notify.const import NotifyEntityFeature
elif TYPE_CHECKING:
    import voluptuous as vol

    from homeassistant.components.notify import NotifyEntityFeature
else:
    import voluptuous as vol

    # Where every version has it (2025.4 has no NotifyEntityFeature in notify.const).
    from homeassistant.components.notify import NotifyEntityFeature

__all__ = ["NotifyEntityFeature", "vol"]
