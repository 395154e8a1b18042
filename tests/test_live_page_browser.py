"""The live page of ``mockfed serve`` in a real browser: Debian's ``chromium``, headless, driven by selenium through
Debian's ``chromium-driver``.

Skipped, saying why, where chromium or its driver is not installed; with ``CI_REQUIRE_BROWSER=1`` (``.ci/run``
installs both and sets it) a missing browser fails instead. ``MOCKFED_UPDATE_SCREENSHOT=1`` rewrites
``docs/images/live-page.png`` (README's picture of the page) from the first test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from mockfed import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FederationBackend
from mockfed.server import FederationServer

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
MISSING = (
    None
    if CHROMIUM and CHROMEDRIVER
    else "chromium and its driver are not installed here (as root: apt-get install -y chromium chromium-driver)"
)
REQUIRED = os.environ.get("CI_REQUIRE_BROWSER") == "1"
SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "images" / "live-page.png"

pytestmark = pytest.mark.skipif(
    MISSING is not None and not REQUIRED, reason=f"{MISSING}; CI installs them and runs these tests"
)

#: What chromium needs on a machine without internet: no sandbox (containers), no GPU, and none of the background
#: connections it makes by default (QUIC, component and safe-browsing updates, sync, first-run pages).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--no-default-browser-check",
    "--window-size=1280,900",
    "--force-device-scale-factor=1",
)
WAIT_SECONDS = 15  # the page polls every second; a loaded machine may take a few

T = TypeVar("T")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    if MISSING is not None:  # only reached with CI_REQUIRE_BROWSER=1
        pytest.fail(f"CI_REQUIRE_BROWSER=1 but {MISSING}", pytrace=False)
    assert CHROMIUM is not None
    assert CHROMEDRIVER is not None
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")  # new and empty
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # the console, for what the CSP refused
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def sts(server: FederationServer) -> Any:
    return boto3.session.Session().client(
        "sts",
        region_name="us-east-1",
        endpoint_url=server.url,
        aws_access_key_id=DEFAULT_ACCESS_KEY_ID,
        aws_secret_access_key=DEFAULT_SECRET_ACCESS_KEY,
    )


def wait_for(browser: WebDriver, condition: Callable[[], T | None], what: str) -> T:
    """Until ``condition`` answers something; fails saying ``what`` was awaited and what the page showed."""
    try:
        return WebDriverWait(browser, WAIT_SECONDS, poll_frequency=0.1).until(lambda _: condition())  # type: ignore[no-any-return]
    except Exception as error:  # selenium's TimeoutException: say what the page shows instead
        shown = browser.find_element(By.TAG_NAME, "main").text
        raise AssertionError(f"the page did not show {what} within {WAIT_SECONDS} s; it shows:\n{shown}") from error


def rows(browser: WebDriver, table: str) -> list[list[str]]:
    """The text of each cell of each row of the table with id ``table`` (an empty table's one row included), read
    at once: the page may replace its rows between two reads of selenium's."""
    script = "return Array.from(arguments[0].tBodies[0].rows, (tr) => Array.from(tr.cells, (td) => td.textContent))"
    found: list[list[str]] = browser.execute_script(script, browser.find_element(By.ID, table))
    return found


def open_page(browser: WebDriver, server: FederationServer) -> None:
    browser.get(f"{server.url}/_mockfed")  # redirected to /_mockfed/
    wait_for(browser, lambda: browser.find_element(By.ID, "status").text == "live" or None, "that it is live")
    assert browser.current_url == f"{server.url}/_mockfed/"


def assert_console_clean(browser: WebDriver) -> None:
    """Nothing the page did was refused by its Content-Security-Policy, and no script failed."""
    messages = [entry["message"] for entry in browser.get_log("browser")]
    assert [m for m in messages if "Content Security Policy" in m or "Uncaught" in m] == [], messages


def session_row(browser: WebDriver, name: str) -> list[str] | None:
    return next((row for row in rows(browser, "sessions") if len(row) == 6 and row[1] == name), None)


DEPLOYER_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/ci"}, "Action": "sts:AssumeRole"}
    ],
}


def test_a_call_shows_up_and_the_page_moves_the_clock_until_the_session_expires(browser: WebDriver) -> None:
    backend = FederationBackend()
    backend.create_role("Deployer", DEPLOYER_TRUST, managed=["arn:aws:iam::aws:policy/ReadOnlyAccess"])
    with FederationServer(backend=backend, port=0) as server:
        open_page(browser, server)
        assert rows(browser, "calls") == [["no call yet"]]
        assert rows(browser, "sessions") == [["no session yet"]]
        assert [row[:2] for row in rows(browser, "principals")] == [
            ["root", "root"],
            ["user", "mockfed-default"],
            ["role", "Deployer"],
        ]

        sts(server).get_federation_token(Name="Bob", DurationSeconds=900)
        call = wait_for(browser, lambda: next(iter(rows(browser, "calls")), [""])[2:3] == ["GetFederationToken"]
                        and rows(browser, "calls")[0], "the GetFederationToken call")
        assert call[0] == "1"
        assert call[3:6] == ["arn:aws:iam::123456789012:user/mockfed-default", "200", ""]
        bob = wait_for(browser, lambda: session_row(browser, "Bob"), "Bob's session")
        assert bob[0] == "federated user"
        assert bob[2] == "arn:aws:sts::123456789012:federated-user/Bob"
        assert bob[3].startswith("ASIA")
        assert bob[5].startswith(("14m ", "15m 0s"))

        with pytest.raises(ClientError):  # a refusal with mockfed's reason, for the picture and the errors
            sts(server).assume_role(RoleArn="arn:aws:iam::123456789012:role/Deployer", RoleSessionName="deploy")
        denied = wait_for(browser, lambda: len(rows(browser, "calls")) == 2 and rows(browser, "calls")[0], "the denial")
        assert denied[2:6] == ["AssumeRole", "arn:aws:iam::123456789012:user/mockfed-default", "403", "AccessDenied"]
        assert denied[6] == backend.calls[-1].reason
        assert denied[6]
        assert "1 error" in browser.find_element(By.ID, "calls-count").text
        if os.environ.get("MOCKFED_UPDATE_SCREENSHOT") == "1":
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            assert browser.save_screenshot(str(SCREENSHOT))

        # Ten minutes on through the page's own control: the backend's clock moves, Bob has under five minutes.
        amount = browser.find_element(By.ID, "advance-amount")
        amount.clear()
        amount.send_keys("10")
        assert browser.find_element(By.ID, "advance-unit").get_attribute("value") == "minutes"
        browser.find_element(By.ID, "advance").click()
        wait_for(browser, lambda: (row := session_row(browser, "Bob")) and row[5].startswith("4m "), "4m left")
        assert 599 < backend.clock.offset < 620
        assert browser.find_element(By.ID, "clock-offset").text.startswith("+10m ")

        browser.find_element(By.CSS_SELECTOR, "button[data-seconds='901']").click()
        wait_for(browser, lambda: (row := session_row(browser, "Bob")) and row[5].startswith("expired "), "expiry")
        assert "(0 live of 1)" in browser.find_element(By.ID, "sessions-count").text

        time_field = browser.find_element(By.ID, "set-time")
        time_field.send_keys("2030-01-01T00:00:00Z")
        browser.find_element(By.ID, "set").click()
        wait_for(
            browser,
            lambda: browser.find_element(By.ID, "clock-now").text.startswith("2030-01-01 00:00:0") or None,
            "the clock set to 2030",
        )
        assert backend.clock.now().year == 2030
        assert_console_clean(browser)


HOSTILE_ACTION = '<img src=x onerror="document.title=`pwned`">'
HOSTILE_NAME = "<img src=x onerror=pwned=1>"  # botocore lets it through; STS refuses its characters


def test_what_clients_send_is_shown_as_text_never_as_html(browser: WebDriver) -> None:
    with FederationServer(port=0) as server:
        open_page(browser, server)
        answer = requests.post(server.url, data={"Action": HOSTILE_ACTION, "Version": "2011-06-15"}, timeout=10)
        assert answer.status_code == 400
        with pytest.raises(ClientError, match="ValidationError"):
            sts(server).get_federation_token(Name=HOSTILE_NAME)
        wait_for(browser, lambda: len(rows(browser, "calls")) == 2 or None, "both calls")
        named, acted = rows(browser, "calls")
        assert acted[2] == HOSTILE_ACTION  # the action, exactly as sent, as text
        assert acted[3:6] == ["anonymous", "400", "InvalidAction"]
        assert HOSTILE_ACTION in acted[6]  # its message, which quotes it
        assert named[2] == "GetFederationToken"
        assert f"Value '{HOSTILE_NAME}' at 'name' failed to satisfy constraint" in named[6]

        # A refusal of the admin API quoting what was typed into the page is text too.
        browser.find_element(By.ID, "set-time").send_keys(HOSTILE_NAME)
        browser.find_element(By.ID, "set").click()
        error = wait_for(browser, lambda: browser.find_element(By.ID, "clock-error").text, "the refusal")
        assert error == f"time {HOSTILE_NAME!r} is not an ISO-8601 date-time (e.g. 2030-01-01T00:00:00Z)"

        assert browser.find_elements(By.TAG_NAME, "img") == []  # nothing was parsed as HTML
        assert browser.title == "mockfed serve"  # and no handler ran
        assert browser.execute_script("return typeof window.pwned") == "undefined"
        assert_console_clean(browser)
