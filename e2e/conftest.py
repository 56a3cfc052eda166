"""Fixtures of the end-to-end run: one Home Assistant process and one browser for the whole session.

The tests of test_first_hour.py build on each other in file order (onboarding first), as a new user
would go; scripts/e2e stops at the first failure. A failing test's report carries the end of Home
Assistant's log and a screenshot of the page.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator

from playwright.sync_api import BrowserContext, Page, sync_playwright
import pytest

from .ha import ROOT, HomeAssistantProcess
from .ui import Journey, launch

FAILURES = ROOT / ".cache" / "e2e" / "failures"
PAGE_ERRORS: list[str] = []


@pytest.fixture(scope="session")
def home_assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HomeAssistantProcess]:
    """Start a fresh Home Assistant, not yet onboarded; stop it at the end."""
    ha = HomeAssistantProcess(tmp_path_factory.mktemp("home-assistant") / "config")
    try:
        ha.start()
        yield ha
    finally:
        ha.stop()


@pytest.fixture(scope="session")
def context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    """Chromium with a fresh profile, closed at the end."""
    with sync_playwright() as playwright:
        browser = launch(playwright, tmp_path_factory.mktemp("chromium-profile"))
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def page(context: BrowserContext, home_assistant: HomeAssistantProcess) -> Page:
    """Open the one tab the journey runs in; keep its script errors for failure reports."""
    tab = context.pages[0] if context.pages else context.new_page()
    tab.on("pageerror", lambda err: PAGE_ERRORS.append(str(err)))
    return tab


@pytest.fixture(scope="session")
def journey() -> Journey:
    """State handed from one step to the next."""
    return Journey()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Add Home Assistant's log and a screenshot to the report of a failing step."""
    report = yield
    if report.when != "call" or not report.failed:
        return report
    funcargs = getattr(item, "funcargs", {})
    ha = funcargs.get("home_assistant")
    tab = funcargs.get("page")
    if isinstance(tab, Page):
        FAILURES.mkdir(parents=True, exist_ok=True)
        shot = FAILURES / f"{item.name}.png"
        try:
            tab.screenshot(path=shot)
            report.sections.append(("page", f"URL {tab.url}\nscreenshot {shot}"))
        except Exception as err:  # noqa: BLE001  # the report must not fail on a dead browser
            report.sections.append(("page", f"no screenshot: {err}"))
        if PAGE_ERRORS:
            report.sections.append(("script errors in the page", "\n".join(PAGE_ERRORS[-20:])))
    if isinstance(ha, HomeAssistantProcess):
        FAILURES.mkdir(parents=True, exist_ok=True)
        (FAILURES / "hass.log").write_text(ha.log_text(), encoding="utf-8")
        report.sections.append(("Home Assistant log", ha.log_tail()))
    return report
