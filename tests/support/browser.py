"""A small headless-Chromium harness (selenium) for the checks that need a real browser: the dbt docs site,
Airflow UI screenshots, the HTML report.

It drives the system's Chromium and chromedriver (Debian packages ``chromium`` and ``chromium-driver``; see
``scripts/ensure_chromium.sh`` / ``make browser``) and never lets Selenium Manager download a driver: the
driver path and the browser binary are always passed explicitly. Each session gets a fresh profile in a
temporary ``--user-data-dir`` that is removed afterwards.

    with headless_chromium() as browser:
        browser.open("file:///.../static_index.html")
        browser.wait_for_css(".app-menu")
        browser.screenshot(Path("docs.png"))
        assert not browser.console_errors()
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.remote.webelement import WebElement

# Headless, no sandbox (containers run as root), and no traffic the browser would start on its own (QUIC,
# component updates, sync, first-run pages).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
WINDOW_SIZE = (1440, 1000)
DEFAULT_TIMEOUT = 15.0

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = (
    "install them with `make browser` (runs scripts/ensure_chromium.sh) or "
    "`sudo apt-get install chromium chromium-driver`; or point GTM_CHROMIUM and GTM_CHROMEDRIVER at them"
)


class BrowserNotFound(RuntimeError):
    """Chromium or chromedriver is not installed."""


class BrowserTimeout(AssertionError):
    """A wait on the page ran out; the message names the page it was on."""


def find_chromium() -> tuple[Path, Path]:
    """(chromium, chromedriver) executables: $GTM_CHROMIUM / $GTM_CHROMEDRIVER, else the first on PATH.
    Raises BrowserNotFound with install instructions when either is missing."""
    chromium = os.environ.get("GTM_CHROMIUM") or next(
        (found for name in CHROMIUM_CANDIDATES if (found := shutil.which(name))), None
    )
    driver = os.environ.get("GTM_CHROMEDRIVER") or shutil.which("chromedriver")
    missing = [
        label
        for label, path in (("chromium", chromium), ("chromedriver", driver))
        if not path or not Path(path).is_file() or not os.access(path, os.X_OK)
    ]
    if missing:
        raise BrowserNotFound(f"{' and '.join(missing)} not found: {INSTALL_HINT}")
    return Path(chromium), Path(driver)  # type: ignore[arg-type]


# Runs in the page (execute_async_script): call `check` with the caller's arguments until it returns a truthy
# value or the deadline passes (then null); `check` is defined just before this.
_POLL_JS = """
const done = arguments[arguments.length - 1];
const args = Array.prototype.slice.call(arguments, 0, -1);
const deadline = performance.now() + LIMIT_MS;
const poll = () => {
    let value = null;
    try { value = check.apply(null, args); } catch (e) { value = null; }
    if (value) done(value);
    else if (performance.now() > deadline) done(null);
    else setTimeout(poll, 20);
};
poll();
"""


@dataclass
class Browser:
    """One headless Chromium session; ``driver`` is the raw selenium WebDriver, for anything not wrapped."""

    driver: WebDriver
    timeout: float = DEFAULT_TIMEOUT

    def open(self, url: str) -> None:
        self.driver.get(url)

    @property
    def title(self) -> str:
        return self.driver.title

    @property
    def url(self) -> str:
        return self.driver.current_url

    def _where(self) -> str:
        try:
            return f"page {self.driver.title!r} at {self.driver.current_url}"
        except Exception as exc:  # the page may have crashed; still say what we were waiting for
            return f"unknown page ({exc.__class__.__name__})"

    def wait_until(
        self, condition: Callable[[WebDriver], Any], what: str, timeout: float | None = None
    ) -> Any:
        """Wait until ``condition(driver)`` is truthy and return its value; on timeout raise BrowserTimeout
        saying ``what`` was awaited and on which page."""
        from selenium.common.exceptions import (
            NoSuchElementException,
            StaleElementReferenceException,
            TimeoutException,
        )
        from selenium.webdriver.support.ui import WebDriverWait

        limit = self.timeout if timeout is None else timeout
        # An element found on one poll may be re-rendered (stale) or gone by the next: just poll again.
        ignored = (NoSuchElementException, StaleElementReferenceException)
        try:
            return WebDriverWait(self.driver, limit, poll_frequency=0.1, ignored_exceptions=ignored).until(
                condition
            )
        except TimeoutException:
            message = f"timed out after {limit:g}s waiting for {what} on {self._where()}"
            raise BrowserTimeout(message) from None

    def wait_for_css(self, selector: str, timeout: float | None = None, visible: bool = True) -> WebElement:
        """The first element matching the CSS ``selector`` (displayed, unless ``visible=False``)."""
        from selenium.webdriver.common.by import By

        def found(driver: WebDriver) -> WebElement | None:
            for element in driver.find_elements(By.CSS_SELECTOR, selector):
                if not visible or element.is_displayed():
                    return element
            return None

        return self.wait_until(found, f"CSS selector {selector!r}", timeout)

    def wait_for_text(self, text: str, selector: str = "body", timeout: float | None = None) -> WebElement:
        """The first element matching ``selector`` whose rendered text contains ``text``."""
        from selenium.webdriver.common.by import By

        def found(driver: WebDriver) -> WebElement | None:
            for element in driver.find_elements(By.CSS_SELECTOR, selector):
                if text in element.text:
                    return element
            return None

        shown = text if len(text) <= 80 else text[:77] + "..."
        return self.wait_until(found, f"text {shown!r} in {selector!r}", timeout)

    def execute(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def poll_js(self, body: str, *args: Any, what: str, timeout: float | None = None) -> Any:
        """Evaluate the JavaScript function ``body`` (with ``args`` as ``arguments``) in the page every 20 ms
        until it returns something truthy, and return that. Polling inside the page costs one WebDriver round
        trip instead of one per poll: much faster than wait_until for checks repeated over many pages."""
        from selenium.common.exceptions import TimeoutException

        limit = self.timeout if timeout is None else timeout
        # The body is inlined rather than passed to `new Function`, which a page's CSP may forbid.
        script = (
            "const check = function() {\n"
            + body
            + "\n};\n"
            + _POLL_JS.replace("LIMIT_MS", str(int(limit * 1000)))
        )
        self.driver.set_script_timeout(limit + 5)
        try:
            value = self.driver.execute_async_script(script, *args)
        except TimeoutException:
            value = None
        if not value:
            raise BrowserTimeout(f"timed out after {limit:g}s waiting for {what} on {self._where()}")
        return value

    def console_errors(self) -> list[dict[str, Any]]:
        """Browser console entries at SEVERE level logged since the last call (the log is drained)."""
        return [entry for entry in self.driver.get_log("browser") if entry.get("level") == "SEVERE"]

    def screenshot(self, path: Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not self.driver.save_screenshot(str(path)):
            raise RuntimeError(f"could not save a screenshot of {self._where()} to {path}")
        return path


def _fit_viewport(driver: WebDriver, size: tuple[int, int]) -> None:
    """--window-size sets the outer window; grow it so the viewport (what a screenshot shows) is ``size``."""
    inner_width, inner_height = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    if (inner_width, inner_height) != size:
        outer = driver.get_window_size()
        driver.set_window_size(
            outer["width"] + size[0] - inner_width, outer["height"] + size[1] - inner_height
        )


@contextlib.contextmanager
def headless_chromium(
    user_data_dir: Path | None = None,
    window_size: tuple[int, int] = WINDOW_SIZE,
    timeout: float = DEFAULT_TIMEOUT,
    extra_args: tuple[str, ...] = (),
) -> Iterator[Browser]:
    """A headless Chromium session with a fresh profile. ``user_data_dir`` (which must not be in use by
    another browser) is used as given and kept; by default a temporary one is created and removed."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = find_chromium()
    own_profile = user_data_dir is None
    profile = Path(tempfile.mkdtemp(prefix="gtm-chromium-")) if own_profile else Path(user_data_dir)
    profile.mkdir(parents=True, exist_ok=True)

    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium)
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--window-size={},{}".format(*window_size)):
        options.add_argument(flag)
    for flag in extra_args:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # An explicit driver path means Selenium Manager is never consulted (it would try to download one).
    service = Service(executable_path=str(chromedriver))
    driver = None
    try:
        driver = webdriver.Chrome(options=options, service=service)
        driver.set_page_load_timeout(max(timeout, 30.0))
        _fit_viewport(driver, window_size)
        yield Browser(driver, timeout)
    finally:
        if driver is not None:
            driver.quit()
        if own_profile:
            shutil.rmtree(profile, ignore_errors=True)
