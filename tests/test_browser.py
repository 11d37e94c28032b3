"""End to end in a real headless Chromium: `streamlit run app.py` on a fake-embedder seed index.

Ask the seed question, see the answer, open the answering clause in its document context.
With PLANKB_SCREENSHOTS=DIR set, the steps are also saved as PNGs in DIR
(scripts/screenshots.py takes the full set for docs/screenshots/).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPO_ROOT = Path(__file__).resolve().parents[1]
SEED_QUESTION = "到2025年每千人口要有多少个托位？"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed (make browser-deps)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not become healthy at {url} in {timeout:.0f} s")


@pytest.fixture(scope="module")
def app_url(seed_index, tmp_path_factory):
    port = _free_port()
    env = {**os.environ, "PLANKB_MODEL": "fake", "PLANKB_INDEX": str(seed_index), "HF_HUB_OFFLINE": "1"}
    log = (tmp_path_factory.mktemp("streamlit") / "server.log").open("w")
    command = [
        sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "app.py"),
        "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
        "--", "--index", str(seed_index),
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _shot(page, name: str) -> None:
    folder = os.environ.get("PLANKB_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def test_ask_see_answer_open_clause_in_context(app_url, browser):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1400, "height": 1100}, locale="zh-CN")
    try:
        page.goto(app_url, wait_until="domcontentloaded")
        question = page.get_by_label("问题或关键词")
        expect(question).to_be_visible(timeout=30_000)
        question.fill(SEED_QUESTION)
        page.get_by_test_id("stFormSubmitButton").locator("button").click()

        value = page.locator(".pk-answer .pk-value")
        expect(value).to_have_text("4.5", timeout=30_000)
        expect(page.locator(".pk-answer .pk-cmp")).to_have_text("不低于")
        expect(page.locator(".pk-answer mark.pk-ans")).to_contain_text("4.5")
        expect(page.locator(".pk-answer .pk-answer-meta")).to_contain_text("2025年")
        _shot(page, "browser-search")

        # the first 在文档中查看 link belongs to the answer card's clause
        page.locator("a", has_text="在文档中查看").first.click()
        expect(page.get_by_role("heading", name="条款上下文")).to_be_visible(timeout=30_000)
        expect(page.locator(".pk-focus").first).to_contain_text("4.5个托位数")
        assert "/browse" in page.url and "clause=" in page.url and "doc=" in page.url
        _shot(page, "browser-context")

        # the URL alone reopens the same clause (a deep link survives a reload)
        page.goto(page.url, wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="条款上下文")).to_be_visible(timeout=30_000)
        expect(page.locator(".pk-focus").first).to_contain_text("4.5个托位数")
        # no script from the page's text ran and no raw error box is shown
        expect(page.get_by_test_id("stException")).to_have_count(0)
    finally:
        page.close()
