"""Take a screenshot of every view into docs/screenshots/, in headless Chromium.

    .venv/bin/python scripts/screenshots.py                     # fake-embedder index of corpus/ + two reports
    .venv/bin/python scripts/screenshots.py --index .index      # an existing index, with the model it was built with

Starts `streamlit run app.py` on a free local port, drives the app like a user (ask the seed
question, add the answer to the basket, open it in context, …) and saves one PNG per view.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
QUESTION = "到2025年每千人口要有多少个托位？"
REPORTS = ("reports/2025年北京市政府工作报告.docx", "reports/2025年江苏省政府工作报告.docx")
TIMEOUT_MS = 120_000  # the real model takes seconds to load on the first question


def build_demo_index(index_dir: Path) -> None:
    """corpus/ plus two provincial reports (托位 targets to compare), with the fake embedder."""
    from index.builder import build_indexes
    from index.embedder import FakeEmbedder
    from index.store import Store
    from index.update import ingest_paths

    shared = REPO_ROOT.parent / "shared" / "corpus"
    paths = [REPO_ROOT / "corpus", *(shared / r for r in REPORTS if (shared / r).is_file())]
    store = Store(index_dir)
    ingest_paths(paths, store)
    build_indexes(store, FakeEmbedder())
    store.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(index_dir: Path, port: int, env: dict[str, str]) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "app.py"),
        "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer",
        "--", "--index", str(index_dir),
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("streamlit did not start")


def settle(page, seconds: float = 1.0) -> None:
    """Wait until Streamlit has finished the current run, then let the layout settle."""
    page.wait_for_selector("[data-testid=stAppViewContainer]", timeout=TIMEOUT_MS)
    page.wait_for_function("!document.querySelector('[data-testid=stStatusWidget]')", timeout=TIMEOUT_MS)
    time.sleep(seconds)


MODE_LABELS = {"bm25": "仅关键词", "dense": "仅语义"}


def take(url: str, out: Path, mode: str = "hybrid") -> list[Path]:
    from playwright.sync_api import expect, sync_playwright

    saved: list[Path] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1200}, locale="zh-CN")

        def shot(name: str) -> None:
            path = out / f"{name}.png"
            page.screenshot(path=str(path))
            saved.append(path)

        page.goto(url)
        settle(page, 2)
        if mode in MODE_LABELS:
            page.get_by_text("筛选与选项").click()
            page.get_by_text(MODE_LABELS[mode]).click()
        question = page.get_by_label("问题或关键词")
        question.fill(QUESTION)
        expect(question).to_have_value(QUESTION)
        page.get_by_test_id("stFormSubmitButton").locator("button").click()
        expect(page.locator(".pk-answer .pk-value")).to_be_visible(timeout=TIMEOUT_MS)
        if mode in MODE_LABELS:
            page.get_by_text("筛选与选项").click()  # fold the options away again for the picture
        settle(page)
        shot("01-search")

        main = page.get_by_test_id("stMain")  # the sidebar has links with the same words
        main.get_by_role("button", name="加入引用").first.click()
        settle(page)
        main.locator("a", has_text="在文档中查看").first.click()
        expect(page.get_by_role("heading", name="条款上下文")).to_be_visible(timeout=TIMEOUT_MS)
        settle(page)
        shot("02-browse-context")

        main.locator("a", has_text="关联条款").first.click()
        expect(page.get_by_role("heading", name="关联条款").first).to_be_visible(timeout=TIMEOUT_MS)
        settle(page, 2)
        shot("03-related")

        main.locator("a", has_text="在文档中查看").first.click()
        expect(page.get_by_role("heading", name="条款上下文")).to_be_visible(timeout=TIMEOUT_MS)
        settle(page)
        main.locator("button", has_text="幼有善育重点工程").first.click()
        expect(page.get_by_role("heading", name="本节内容")).to_be_visible(timeout=TIMEOUT_MS)
        settle(page)
        shot("04-browse-outline")

        # move through the sidebar, not new page loads: the basket lives in the session
        nav = page.get_by_test_id("stSidebarNav")
        nav.get_by_text("目标指标").click()
        settle(page, 2)
        shot("05-targets")
        page.get_by_role("tab", name="同一指标跨文档对比").click()
        settle(page, 2)
        shot("06-targets-compare")

        nav.get_by_text("引用与备忘录").click()
        settle(page)
        shot("07-basket")

        nav.get_by_text("文档管理").click()
        settle(page)
        shot("08-manage")

        # an upload with one scanned PDF (stored, flagged "needs OCR") and one broken file (rejected)
        scanned = REPO_ROOT.parent / "shared" / "corpus" / "bad" / "scanned_image_only.pdf"
        files = [{"name": "损坏的文件.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 truncated"}]
        if scanned.is_file():
            files.append({"name": scanned.name, "mimeType": "application/pdf", "buffer": scanned.read_bytes()})
        main.locator("input[type=file]").set_input_files(files)
        settle(page)
        main.get_by_role("button", name="解析并入库").click()
        expect(main.get_by_test_id("stAlert").first).to_be_visible(timeout=TIMEOUT_MS)
        settle(page, 2)
        shot("09-manage-upload")
        browser.close()
    return saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="an existing index (default: build a demo index with the fake embedder)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "screenshots")
    parser.add_argument(
        "--mode", choices=("hybrid", "bm25", "dense"), help="search mode for the question (default: bm25 on the fake demo index, else hybrid)"
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with tempfile.TemporaryDirectory(prefix="plankb-shots-") as tmp:
        index_dir = args.index
        if index_dir is None:
            index_dir = Path(tmp) / "index"
            build_demo_index(index_dir)
            env["PLANKB_MODEL"] = "fake"
        process = start_app(index_dir, free_port(), env)
        try:
            port = int(process.args[process.args.index("--server.port") + 1])
            mode = args.mode or ("bm25" if args.index is None else "hybrid")
            for path in take(f"http://127.0.0.1:{port}", args.out, mode):
                print(path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path)
        finally:
            process.terminate()
            process.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
