"""Helpers of the browser tests: Debian's Chromium (never a downloaded one) and the real app served by uvicorn."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine

from tests.apps import shared_app

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    # On CI (which installs it) a missing Chromium is a failure, not a skip.
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason="Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
    ),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(engine: Engine) -> Iterator[str]:
    """The app served by uvicorn on 127.0.0.1 in a thread, on the same test database."""
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(shared_app(), host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def chromium(shared_chromium: Browser) -> Iterator[Browser]:
    """Headless Debian Chromium, driven by Playwright: the run's one browser (tests/conftest.py), whose
    contexts (cookies, storage, pages) this test opens and which are all closed after it."""
    yield shared_chromium
    for context in list(shared_chromium.contexts):
        context.close()


def sign_in(browser: Browser, server: str, username: str) -> Page:
    """A new browser context that has sent the sign-in form as `username` (an account made with
    tests.factories' password); where it lands (the home page, a second factor) is the caller's to check."""
    from tests.factories import PASSWORD

    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{server}/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    return page


def login(browser: Browser, server: str, username: str) -> Page:
    """A new browser context signed in as `username`, on the home page."""
    page = sign_in(browser, server, username)
    page.wait_for_url(f"{server}/", wait_until="domcontentloaded")
    return page


def enrol_two_factor(page: Page, button: str) -> None:
    """On a two-factor enrolment page: a wrong code is refused at its field, then the code of the
    secret the page shows is taken (`button` is the page's submit button)."""
    import pyotp
    from playwright.sync_api import expect

    page.get_by_label("Mã xác thực").fill("999999")
    page.get_by_role("button", name=button).click()
    expect(page.get_by_role("alert")).to_contain_text("Mã xác thực không đúng")
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Mã xác thực").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name=button).click()
