"""Browser helpers: Debian's Chromium through Playwright, text across shadow roots, screenshots."""

from __future__ import annotations

from dataclasses import dataclass
import io
import json
import os
from pathlib import Path
from typing import Any

from PIL import Image
from playwright.sync_api import (
    BrowserContext,
    Page,
    Playwright,
    TimeoutError as PlaywrightTimeoutError,
)

from .ha import ROOT

CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
# Without the background-networking switches Chromium keeps calling Google's hosts, which a closed
# network refuses; the rest keep a fresh profile quiet and headless without a GPU.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    # Containers give /dev/shm 64 MB, too little for a tab: Chromium uses /tmp instead.
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 30_000
NAVIGATION_TIMEOUT_MS = 60_000

SCREENSHOTS = Path(os.environ.get("E2E_SCREENSHOTS", ROOT / ".cache" / "e2e" / "screenshots"))
TRANSLATIONS = ROOT / "custom_components" / "cloud_telephony" / "translations"

# The visible text of an element and everything below it, shadow roots included (Home Assistant's
# frontend is built of web components; innerText stops at each shadow root).
DEEP_TEXT = """(root) => {
  const out = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) { out.push(node.textContent); return; }
    if (node.nodeType === Node.ELEMENT_NODE && ["STYLE", "SCRIPT", "TEMPLATE"].includes(node.tagName)) return;
    if (node.shadowRoot) walk(node.shadowRoot);
    for (const child of node.childNodes) walk(child);
  };
  walk(root);
  return out.join(" ").replace(/\\s+/g, " ").trim();
}"""

# Every element matching `selector` anywhere in the page, inside shadow roots too.
DEEP_QUERY_ALL = """(selector) => {
  const found = [];
  const walk = (root) => {
    found.push(...root.querySelectorAll(selector));
    for (const element of root.querySelectorAll("*")) if (element.shadowRoot) walk(element.shadowRoot);
  };
  walk(document);
  return found;
}"""

# For wait_for_function: true once some element matching the selector shows every needle.
SHOWS_ALL = f"""([selector, needles]) => {{
  const deepText = {DEEP_TEXT};
  return ({DEEP_QUERY_ALL})(selector).some((element) => {{
    const text = deepText(element);
    return needles.every((needle) => text.includes(needle));
  }});
}}"""

# What the elements matching the selector show, for failure messages.
SHOWN = f"""(selector) => ({DEEP_QUERY_ALL})(selector).map({DEEP_TEXT})"""


@dataclass
class Journey:
    """What the steps learn on the way and hand on: the account's webhook URL, device and entry."""

    webhook_url: str = ""
    device_id: str = ""
    entry_id: str = ""


def launch(playwright: Playwright, profile: Path) -> BrowserContext:
    """Start Debian's Chromium with a fresh profile; Playwright's own browsers are never used."""
    if not CHROMIUM.is_file():
        msg = f"{CHROMIUM} is missing: scripts/e2e installs Debian's chromium (apt-get install chromium)"
        raise RuntimeError(msg)
    context = playwright.chromium.launch_persistent_context(
        profile,
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        headless=True,
        viewport=DESKTOP,  # type: ignore[arg-type]
        locale="en-US",
        timezone_id="Europe/Istanbul",
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    return context


def deep_text(page: Page, selector: str = "home-assistant") -> str:
    """Return what the first element matching `selector` shows, shadow roots included."""
    shown: list[str] = page.evaluate(SHOWN, selector)
    if not shown:
        msg = f"nothing matches {selector!r} on {page.url}"
        raise AssertionError(msg)
    return shown[0]


def wait_for_text(page: Page, selector: str, *needles: str, timeout: float = TIMEOUT_MS) -> None:
    """Wait until an element matching `selector` shows every needle; say what was shown if not."""
    try:
        page.wait_for_function(SHOWS_ALL, arg=[selector, list(needles)], timeout=timeout)
    except PlaywrightTimeoutError as err:
        shown = page.evaluate(SHOWN, selector)
        missing = [needle for needle in needles if not any(needle in text for text in shown)]
        msg = (
            f"after {timeout / 1000:.0f} s no {selector!r} on {page.url} shows {missing!r}; shown: {shown!r}"
        )
        raise AssertionError(msg) from err


HASS = "document.querySelector('home-assistant')?.hass"


def wait_for_hass(page: Page) -> None:
    """Wait until the frontend is connected and has its states."""
    page.wait_for_function(f"() => Boolean({HASS}?.connected && {HASS}?.states)")


def call_ws(page: Page, message: dict[str, Any]) -> Any:
    """Send a websocket command over the frontend's own authenticated connection."""
    wait_for_hass(page)
    return page.evaluate(
        "(message) => document.querySelector('home-assistant').hass.callWS(message)", message
    )


def call_api(page: Page, method: str, path: str) -> Any:
    """Call Home Assistant's REST API (`/api/<path>`) as the logged-in user."""
    wait_for_hass(page)
    return page.evaluate(
        "([method, path]) => document.querySelector('home-assistant').hass.callApi(method, path)",
        [method, path],
    )


# The element that has the keyboard focus, inside shadow roots too, once it is a text field.
FOCUSED_INPUT = """() => {
  let element = document.activeElement;
  while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
  return element && ["INPUT", "TEXTAREA"].includes(element.tagName) ? element : null;
}"""


def type_into_focused(page: Page, text: str) -> None:
    """Fill the text field a picker focuses when it opens (its search), once it has the focus."""
    field = page.wait_for_function(FOCUSED_INPUT).as_element()
    assert field is not None, "no text field has the focus"
    field.fill(text)


def translations(language: str) -> dict[str, Any]:
    """Read the integration's translation file of a language."""
    data: dict[str, Any] = json.loads((TRANSLATIONS / f"{language}.json").read_text(encoding="utf-8"))
    return data


def screenshot(page: Page, name: str) -> Path:
    """Save the viewport as a small PNG (256 colours, as the frontend's flat colours allow)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # Finished animations: a label still floating up or a dialog still fading in looks broken.
    shot = page.screenshot(animations="disabled", caret="hide")
    image = Image.open(io.BytesIO(shot)).convert("RGB")
    small = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    target = SCREENSHOTS / f"{name}.png"
    small.save(target, optimize=True)
    return target
