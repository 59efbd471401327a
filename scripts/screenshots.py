"""Regenerate docs/screenshots/*.png: the chain diagram, the report and the dashboard.

    python scripts/screenshots.py        # needs /usr/bin/chromium (Debian's) and playwright

Writes docs/screenshots/report-sankey.png (the chain diagram of india-japan-halt against
baseline-2024, in the view the report opens on), report.png (the top of that report) and
dashboard.png / dashboard-full.png (the dashboard after flipping "India halts exports to
Japan" on china-controls-2025). The report is written to a temporary file; the dashboard is a
`rareflow serve` this script starts on a free loopback port, with a throwaway run store, and
stops at the end.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(tmp: Path) -> tuple[subprocess.Popen, str]:
    """`rareflow serve` on a free port (this checkout's sources first on the path)."""
    port = free_port()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]))
    proc = subprocess.Popen([sys.executable, "-m", "rareflow.cli", "serve", "--port", str(port),
                             "--store", str(tmp / "runs.duckdb")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("rareflow serve stopped: " + proc.stderr.read().decode())
        try:
            urllib.request.urlopen(url + "/health", timeout=2)  # noqa: S310 (loopback)
            return proc, url
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("rareflow serve did not start within 60 s")


def write_report(tmp: Path) -> Path:
    sys.path.insert(0, str(ROOT / "src"))
    import rareflow
    from rareflow.report import write_report as write

    return write(rareflow.load("india-japan-halt").solve(), tmp / "report.html",
                 base=rareflow.load("baseline-2024").solve())


def wait_ready(page, seq: str | None) -> None:
    page.wait_for_function("(s) => document.body.dataset.state === 'ready' && "
                           "document.body.dataset.seq !== s", arg=seq, timeout=120_000)


def main() -> int:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="rareflow-shots-"))
    report = write_report(tmp)
    proc, url = serve(tmp)
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = b.new_page(viewport={"width": 1300, "height": 1500})
            page.goto(report.as_uri())
            page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 4")
            page.wait_for_timeout(800)
            page.screenshot(path=str(OUT / "report.png"))
            page.locator("#sankey-section").screenshot(path=str(OUT / "report-sankey.png"))

            page = b.new_page(viewport={"width": 1440, "height": 1250}, device_scale_factor=1)
            page.goto(url + "/")
            wait_ready(page, None)
            seq = page.get_attribute("body", "data-seq")
            page.select_option("#scenario", "china-controls-2025")
            wait_ready(page, seq)
            seq = page.get_attribute("body", "data-seq")
            page.click("label[for=lever-india_halt]")
            wait_ready(page, seq)
            page.wait_for_timeout(800)
            page.screenshot(path=str(OUT / "dashboard.png"))
            page.screenshot(path=str(OUT / "dashboard-full.png"), full_page=True)
            b.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print("\n".join(str(p.relative_to(ROOT)) for p in sorted(OUT.glob("*.png"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
