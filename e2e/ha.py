"""A real Home Assistant process in a fresh configuration folder, with the integration linked in."""

from __future__ import annotations

from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import signal
import socket
import subprocess
import sys
import time
from urllib import error, request

ROOT = Path(__file__).resolve().parent.parent

# Components are listed one by one: default_config pulls in integrations whose requirements are not
# installed (go2rtc wants a binary download). These are what onboarding, the integrations pages,
# the device page (logbook, history) and the developer tools need.
CONFIGURATION = """\
frontend:
config:
webhook:
logbook:
history:
logger:
  default: warning
  logs:
    custom_components.cloud_telephony: debug
"""

STARTUP_TIMEOUT = 180.0
STOP_TIMEOUT = 60.0


def free_port() -> int:
    """Return a loopback port nobody listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_settings(port: int) -> dict[str, object]:
    """Home Assistant's stored HTTP settings (`.storage/http`), listening on loopback only.

    Since 2026.x the HTTP settings live in storage, and YAML ones are migrated as a trial that
    reverts after five minutes unless confirmed in the UI; a stored, confirmed setting avoids that.
    """
    stable = {
        "server_port": port,
        "server_host": ["127.0.0.1"],
        "cors_allowed_origins": ["https://cast.home-assistant.io"],
        "login_attempts_threshold": -1,
        "ip_ban_enabled": True,
        "ssl_profile": "modern",
        "use_x_frame_options": True,
        "created_at": "2026-01-01T00:00:00+00:00",
        "error": None,
        "error_message": None,
    }
    return {
        "version": 2,
        "minor_version": 2,
        "key": "http",
        "data": {"stable": stable, "pending": None, "yaml_migration_done": True},
    }


@dataclass
class HomeAssistantProcess:
    """`hass` of this virtual environment, on a free loopback port, its output in `log_path`."""

    config_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The address of the frontend and the API."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        """Where Home Assistant's output goes."""
        return self.config_dir.parent / "hass.log"

    def prepare(self) -> None:
        """Write a minimal configuration and link the integration in."""
        self.config_dir.mkdir(parents=True, exist_ok=True)
        (self.config_dir / "configuration.yaml").write_text(CONFIGURATION, encoding="utf-8")
        storage = self.config_dir / ".storage"
        storage.mkdir(exist_ok=True)
        (storage / "http").write_text(json.dumps(http_settings(self.port)), encoding="utf-8")
        custom = self.config_dir / "custom_components"
        custom.mkdir(exist_ok=True)
        (custom / "cloud_telephony").symlink_to(ROOT / "custom_components" / "cloud_telephony")

    def start(self) -> None:
        """Start `hass` and wait until onboarding answers; fail with its log if it does not."""
        self.prepare()
        hass = Path(sys.executable).with_name("hass")
        with self.log_path.open("wb") as log:
            # --skip-pip: nothing may be installed at start-up; all requirements are in the venv.
            self.process = subprocess.Popen(  # noqa: S603
                [str(hass), "--config", str(self.config_dir), "--skip-pip"],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.config_dir,
                start_new_session=True,
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                msg = f"hass exited with {self.process.returncode} during start-up"
                raise RuntimeError(f"{msg}\n{self.log_tail()}")
            if self._answers("/api/onboarding") and self._answers("/onboarding.html"):
                return
            time.sleep(0.5)
        msg = f"hass did not answer on {self.url} within {STARTUP_TIMEOUT:.0f} s"
        raise RuntimeError(f"{msg}\n{self.log_tail()}")

    def _answers(self, path: str) -> bool:
        try:
            with request.urlopen(self.url + path, timeout=5) as response:  # noqa: S310
                return bool(response.status == 200)
        except (error.URLError, OSError):
            return False

    def stop(self) -> None:
        """Stop Home Assistant (SIGTERM, then SIGKILL of its process group)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def log_text(self) -> str:
        """Everything Home Assistant wrote so far."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 150) -> str:
        """Return the last lines of the log, for failure reports."""
        tail = self.log_text().splitlines()[-lines:]
        return f"--- last {len(tail)} lines of {self.log_path} ---\n" + "\n".join(tail)
