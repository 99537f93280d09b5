"""Headless Chromium for the browser tests: every request a page makes is recorded, screenshots are kept.

Screenshots go to `tests/screenshots/` (git ignores it), named after the test, at desktop and phone
width, so anyone can open them after a run.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
DESKTOP = (1280, 900)
PHONE = (390, 844)
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
LOCAL_SCHEMES = {"data", "blob", "about", "chrome", "chrome-extension", "devtools"}


DOCS_IMAGES = SCREENSHOTS.parent.parent / "docs" / "images"


def publish_image(screenshot: Path, name: str) -> None:
    """Copy a screenshot to the README's images (docs/images/NAME) when IUCKG_DOCS_IMAGES=1 asks for it:
    a test run leaves the committed images alone."""
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("IUCKG_DOCS_IMAGES") == "1":
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(screenshot, DOCS_IMAGES / name)


class Browser:
    """A Selenium-driven Chromium that knows every URL its pages asked for."""

    def __init__(self, driver) -> None:
        self.driver = driver
        self.requested: list[str] = []

    def __getattr__(self, name):
        return getattr(self.driver, name)

    def drain(self) -> list[str]:
        """The URLs requested since the last call (from the DevTools performance log)."""
        urls = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                urls.append(message["params"]["request"]["url"])
        self.requested += urls
        return urls

    def foreign_requests(self) -> list[str]:
        """Requests (so far) to any host but this machine's loopback."""
        self.drain()
        return [url for url in self.requested
                if urlsplit(url).scheme not in LOCAL_SCHEMES and urlsplit(url).hostname not in LOCAL_HOSTS]

    def width(self, size: tuple[int, int]) -> None:
        """Resize the window (desktop or phone)."""
        self.driver.set_window_size(*size)

    def scroll_width(self) -> int:
        """How wide the page is: more than the window means it scrolls sideways."""
        return self.driver.execute_script("return document.documentElement.scrollWidth")

    def inner_width(self) -> int:
        """The width of the window's layout viewport."""
        return self.driver.execute_script("return document.documentElement.clientWidth")

    def axe(self) -> list[dict]:
        """The serious and critical accessibility violations axe-core finds on the current page (WCAG 2 A/AA)."""
        self.driver.execute_script(AXE.read_text(encoding="utf-8"))
        result = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',"
            " 'best-practice']}}).then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact,"
            " help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))).catch(e => done(String(e)));")
        assert isinstance(result, list), result
        return [v for v in result if v["impact"] in SERIOUS]

    def shoot(self, name: str) -> Path:
        """Save a screenshot of the whole page as tests/screenshots/NAME.png."""
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        height = self.driver.execute_script("return Math.min(document.documentElement.scrollHeight, 6000)")
        width = self.driver.get_window_size()["width"]
        self.driver.set_window_size(width, max(height, 600))
        self.driver.save_screenshot(str(path))
        return path

    def shoot_both(self, name: str, url: str) -> None:
        """Screenshots of a URL at desktop and phone width."""
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            self.width(size)
            self.driver.get(url)
            self.shoot(f"{name}-{label}")
        self.width(DESKTOP)


def start_browser() -> Browser:
    """Start headless Chromium (skip, or in CI fail, if Debian's chromium is not installed)."""
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromedriver must be installed in CI (make system-deps)")
        pytest.skip("Debian's chromium and chromium-driver are not installed (run: make system-deps)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="iuckg-chromium-")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--hide-scrollbars", f"--user-data-dir={profile}",
                 f"--window-size={DESKTOP[0]},{DESKTOP[1]}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    driver.profile_dir = profile
    return Browser(driver)


def stop_browser(browser: Browser) -> None:
    """Quit Chromium and remove its profile."""
    browser.driver.quit()
    shutil.rmtree(browser.driver.profile_dir, ignore_errors=True)
