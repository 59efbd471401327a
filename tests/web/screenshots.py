"""Regenerate docs/screenshots/*.png (not a test): the dashboard after flipping "India halts
exports to Japan" on china-controls-2025, and the report of india-japan-halt vs baseline-2024.

    python tests/web/screenshots.py          # needs /usr/bin/chromium and the world scenarios
"""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def main() -> None:
    import uvicorn
    from playwright.sync_api import sync_playwright

    import rareflow
    from rareflow.report import write_report
    from rareflow.web import create_app

    OUT.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="rareflow-shots-"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(tmp / "runs.duckdb"), host="127.0.0.1",
                                        port=port, log_level="warning"))
    threading.Thread(target=srv.run, daemon=True).start()
    while not srv.started:
        time.sleep(0.05)
    report = write_report(rareflow.load("india-japan-halt").solve(), tmp / "report.html",
                          base=rareflow.load("baseline-2024").solve())
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = b.new_page(viewport={"width": 1440, "height": 1250}, device_scale_factor=1)
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_function("document.body.dataset.state === 'ready'", timeout=60_000)
        seq = page.get_attribute("body", "data-seq")
        page.select_option("#scenario", "china-controls-2025")
        page.wait_for_function("(s) => document.body.dataset.state === 'ready' && "
                               "document.body.dataset.seq !== s", arg=seq, timeout=60_000)
        seq = page.get_attribute("body", "data-seq")
        page.click("label[for=lever-india_halt]")
        page.wait_for_function("(s) => document.body.dataset.state === 'ready' && "
                               "document.body.dataset.seq !== s", arg=seq, timeout=60_000)
        page.wait_for_timeout(800)
        page.screenshot(path=str(OUT / "dashboard.png"))
        page.screenshot(path=str(OUT / "dashboard-full.png"), full_page=True)
        page = b.new_page(viewport={"width": 1300, "height": 1500})
        page.goto(report.as_uri())
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 4")
        page.wait_for_timeout(800)
        page.screenshot(path=str(OUT / "report.png"))
        page.locator("#sankey-section").screenshot(path=str(OUT / "report-sankey.png"))
        b.close()
    srv.should_exit = True
    print("\n".join(str(p) for p in sorted(OUT.glob("*.png"))))


if __name__ == "__main__":
    sys.exit(main())
