"""A live capmatch and Debian's chromium, driven by Playwright for Python.

The browser is the system's (``executable_path``): ``playwright install`` downloads one
and fails on machines without internet access. Without chromium these tests skip with a
message saying how to get it, except on CI (``CI=true``), where they fail: ``.ci/run``
installs it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.fixtures.live import Server, live_server

CHROMIUM_NAMES = ("chromium", "chromium-browser")
# Where screenshots go: docs/console/ with CAPMATCH_SCREENSHOTS=docs/console
# (scripts/console_screenshots.sh), a temporary folder otherwise.
SCREENSHOTS_VARIABLE = "CAPMATCH_SCREENSHOTS"
# Chromium logs every 4xx answer; the page shows those itself (a rejected key, a 409).
ANSWERED_4XX = "Failed to load resource: the server responded with a status of 4"


def chromium_path() -> str | None:
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        message = "chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI must run the browser tests")
        pytest.skip(message)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            # Root in a container has no user namespaces for chromium's sandbox.
            args=["--no-sandbox", "--disable-dev-shm-usage"],
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with live_server(tmp_path_factory.mktemp("console"), "console") as running:
        yield running


@contextlib.contextmanager
def open_page(browser: Browser, **options: Any) -> Iterator[Page]:
    """A fresh browser context (its own sessionStorage) that fails the test on any script
    error or Content-Security-Policy violation; ``options`` go to ``new_context``."""
    options.setdefault("locale", "en-GB")
    options.setdefault("viewport", {"width": 1280, "height": 900})
    context = browser.new_context(**options)
    opened = context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    opened.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text}")
            if message.type == "error" and not message.text.startswith(ANSWERED_4XX)
            else None
        ),
    )
    try:
        yield opened
    finally:
        context.close()
    assert not problems, problems


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with open_page(browser) as opened:
        yield opened


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get(SCREENSHOTS_VARIABLE) or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
