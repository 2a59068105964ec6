"""A real browser for the back-office tests: Debian's headless chromium through chromium-driver
and Selenium, one per test module (``chrome``), against the real server on 127.0.0.1 with
PostgreSQL (``live_pg``). ``Browser`` wraps the driver with what a person does: open a page,
fill in a form, press a button, download a file; every page it lands on is saved as a
screenshot (``HEITJE_SCREENSHOTS_DIR``, else tests/server/backoffice/screenshots-out/).

Also the real devices of those tests: a kiosk or a till enrolled with the code an admin made on
the devices page, running the app's own ops (kiosk.ops) and syncing over HTTP (kiosk.sync)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from kiosk.core.clock import FixedClock
from kiosk.device import open_device
from kiosk.ops.device import Device, DeviceOptions, build_device
from kiosk.server.config import Settings
from kiosk.server.service import Server
from kiosk.sync.client import SyncClient
from tests.server.backoffice.kit import PASSWORD
from tests.server.conftest import NOW, LiveServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROME_ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--window-size=1280,1400",
    "--lang=nl-NL",
)
WAIT_S = 60.0  # only so that a broken test fails instead of hanging; nothing is timed
SCREENSHOTS = Path(__file__).with_name("screenshots-out")


def screenshots_dir() -> Path:
    folder = Path(os.environ.get("HEITJE_SCREENSHOTS_DIR") or SCREENSHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass
class Browser:
    """One chromium for a test module; `url` is the server of the test that uses it."""

    driver: webdriver.Chrome
    downloads: Path
    shots: Path
    prefix: str = "browser"
    url: str = ""
    taken: list[Path] = field(default_factory=list)

    # -- pages ----------------------------------------------------------------------------------

    def shot(self, name: str) -> Path:
        """Save what the browser shows now as <prefix>-NN-<name>.png."""
        safe = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "page"
        path = self.shots / f"{self.prefix}-{len(self.taken) + 1:02d}-{safe}.png"
        assert self.driver.save_screenshot(str(path)), path
        self.taken.append(path)
        return path

    def open(self, path: str, name: str | None = None) -> None:
        self.driver.get(self.url + path)
        self.landed(name or path)

    def landed(self, name: str) -> None:
        """After a navigation: the page has loaded; take its picture."""
        WebDriverWait(self.driver, WAIT_S).until(
            lambda d: d.execute_script("return document.readyState") == "complete"
        )
        self.shot(name)

    @property
    def path(self) -> str:
        """The current page's path and query (without the server's address)."""
        return str(self.driver.current_url).removeprefix(self.url)

    @property
    def text(self) -> str:
        return str(self.driver.find_element(By.TAG_NAME, "body").text)

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def all(self, css: str) -> list[WebElement]:
        return list(self.driver.find_elements(By.CSS_SELECTOR, css))

    # -- forms ----------------------------------------------------------------------------------

    def type(self, name: str, value: str, form: str = "main form") -> None:
        field_ = self.find(f'{form} [name="{name}"]')
        field_.clear()
        field_.send_keys(value)

    def set(self, name: str, value: str, form: str = "main form") -> None:
        """A date, time or month field: set its value as the browser's picker would."""
        field_ = self.find(f'{form} [name="{name}"]')
        self.driver.execute_script(
            "arguments[0].value = arguments[1];"
            "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
            field_,
            value,
        )
        assert field_.get_attribute("value") == value, (name, value)

    def choose(self, name: str, value: str, form: str = "main form") -> None:
        Select(self.find(f'{form} select[name="{name}"]')).select_by_value(value)

    def tick(self, name: str, value: str, form: str = "main form") -> None:
        box = self.find(f'{form} input[name="{name}"][value="{value}"]')
        if not box.is_selected():
            box.click()

    def press(self, css: str, name: str) -> None:
        """Press a button (or follow a link) and wait for the page it leads to. A button with
        a confirmation question gets its OK, as a person gives it."""
        old = self.find("html")
        self.find(css).click()
        with contextlib.suppress(NoAlertPresentException):
            self.driver.switch_to.alert.accept()
        WebDriverWait(self.driver, WAIT_S).until(lambda d: _stale(old))
        self.landed(name)

    # -- accounts -------------------------------------------------------------------------------

    def sign_in(self, username: str, password: str = PASSWORD) -> None:
        self.open("/office/sign-in", f"sign-in-{username}")
        self.type("username", username)
        self.type("password", password)
        self.press("main form button[type=submit]", f"signed-in-{username}")
        assert self.path == "/office", (self.path, self.text[:300])

    def sign_out(self) -> None:
        self.press("form[action$='/office/sign-out'] button", "signed-out")
        assert self.path.startswith("/office/sign-in"), self.path

    # -- files ----------------------------------------------------------------------------------

    def download(self, css: str, pattern: str) -> Path:
        """Press the link or button at `css` and wait for the browser to save the file that
        matches `pattern` in the download folder."""
        for old in self.downloads.glob(pattern):
            old.unlink()
        self.find(css).click()
        found: list[Path] = []

        def saved(_: object) -> bool:
            found[:] = [
                p
                for p in self.downloads.glob(pattern)
                if not p.name.endswith(".crdownload") and p.stat().st_size > 0
            ]
            partial = list(self.downloads.glob("*.crdownload"))
            return bool(found) and not partial

        WebDriverWait(self.driver, WAIT_S, poll_frequency=0.1).until(saved)
        self.shot(f"downloaded-{found[0].name}")
        return found[0]

    def http(self) -> httpx.Client:
        """An HTTP client with the browser's own session cookie (for reading a response's
        headers, which a browser does not show)."""
        client = httpx.Client(base_url=self.url, timeout=60)
        for cookie in self.driver.get_cookies():
            client.cookies.set(cookie["name"], cookie["value"], domain="127.0.0.1", path="/office")
        return client


def _stale(element: WebElement) -> bool:
    try:
        element.is_enabled()
    except Exception:  # StaleElementReferenceException: the old page is gone
        return True
    return False


def start_chrome(downloads: Path) -> webdriver.Chrome:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail(
            "Debian's chromium and chromium-driver are needed (apt install chromium-driver)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in CHROME_ARGS:
        options.add_argument(arg)
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "plugins.always_open_pdf_externally": True,  # a PDF is saved, not shown
            "intl.accept_languages": "nl-NL,nl",
        },
    )
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    return driver


@pytest.fixture(scope="module")
def chrome(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """One headless chromium for the whole test module."""
    if not os.environ.get("KIOSK_TEST_POSTGRES_URL"):
        pytest.skip("KIOSK_TEST_POSTGRES_URL is not set (the browser tests run on PostgreSQL)")
    downloads = tmp_path_factory.mktemp("downloads")
    driver = start_chrome(downloads)
    try:
        yield Browser(driver, downloads, screenshots_dir())
    finally:
        driver.quit()
        shutil.rmtree(downloads, ignore_errors=True)


@pytest.fixture
def live_pg(fresh_postgres_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """The real server (uvicorn in a thread, a free port on 127.0.0.1) on a fresh PostgreSQL
    database, its clock fixed at NOW."""
    clock = FixedClock(NOW)
    server = Server(
        Settings(data_dir=tmp_path / "server", database_url=fresh_postgres_url, clock=clock)
    )
    live = LiveServer(server, clock)
    try:
        yield live
    finally:
        live.stop()
        server.close()


@pytest.fixture
def browser(chrome: Browser, live_pg: LiveServer, request: pytest.FixtureRequest) -> Browser:
    """The module's chromium pointed at this test's server, with no cookies left over."""
    chrome.url = live_pg.url
    chrome.prefix = request.node.name.removeprefix("test_")[:60]
    chrome.taken.clear()
    chrome.driver.delete_all_cookies()
    return chrome


# -- real devices ------------------------------------------------------------------------------


def _run_now(fn: Callable[[], object]) -> None:
    fn()


@dataclass
class RealDevice:
    """A device folder enrolled with a code from the back office, built as the app builds it
    (kiosk.ops.device.build_device) on the server's clock; `sync` is one round of its own
    sync loop over HTTP."""

    device: Device

    @classmethod
    def enrol(cls, url: str, code: str, data_dir: Path, clock: FixedClock) -> RealDevice:
        handle = open_device(data_dir, clock)
        client = SyncClient(handle.engine, handle.key, clock)
        try:
            client.enrol(url, code, name="ignored")
        finally:
            client.close()
            handle.close()
        device = build_device(data_dir, _run_now, DeviceOptions(clock=clock), start=False)
        return cls(device)

    def sync(self) -> None:
        loop = self.device.sync_loop
        assert loop is not None, "not enrolled"
        loop.step()
        assert loop.status.online, loop.status.last_error_en

    def close(self) -> None:
        self.device.close()
