"""`flowrt test --html`: a self-contained page, opened in a real headless Chromium.

The browser is driven over the DevTools protocol (loopback only): the test collects console
messages, uncaught exceptions, failed loads and every network request, checks that the diagrams
are laid out with a size, and saves a screenshot (`FLOWRT_SCREENSHOT_DIR`, else the test's tmp
directory).  Without Chromium the browser tests are skipped, except under CI (CI=true), where
.ci/run installs it and they must run.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flowrt.cli import main

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "flows"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = next(
    (p for n in ("chromium", "chromium-browser", "google-chrome") if (p := shutil.which(n))), None
)
needs_browser = pytest.mark.skipif(
    (CHROMIUM is None or shutil.which("dot") is None) and not IN_CI,
    reason="Chromium and Graphviz are not installed (CI installs them: .ci/run)",
)


# ---------------------------------------------------------------------------------------------
# a project with one failing case


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HTML report of the example project after Premium's capacity dropped to 2."""
    base = tmp_path_factory.mktemp("report")
    project = base / "flows"
    shutil.copytree(FLOWS, project, ignore=shutil.ignore_patterns("__goldens__"))
    cwd = Path.cwd()
    os.chdir(project)
    try:
        assert main(["test", "--update", "-q", "."]) == 0
        instance = project / "instance.yaml"
        instance.write_text(instance.read_text().replace("max-contacts: 10", "max-contacts: 2"))
        out = base / "report.html"
        assert main(["test", "-q", "--html", str(out), "."]) == 1
    finally:
        os.chdir(cwd)
    return out


def test_report_is_self_contained(report_file: Path) -> None:
    page = report_file.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    # No script, no stylesheet or image from elsewhere: nothing to fetch.
    assert "<script" not in page
    assert not re.search(r"""(src|href)=["'](https?:)?//""", page)
    assert "@import" not in page and "url(" not in page
    links = set(re.findall(r'href="([^"]*)"', page))
    assert all(link.startswith(("#", "data:")) for link in links), links
    ids = set(re.findall(r' id="([^"]+)"', page))
    assert all(link[1:] in ids for link in links if link.startswith("#") and len(link) > 1)


def test_report_shows_summary_cases_diff_diagrams_and_coverage(report_file: Path) -> None:
    page = report_file.read_text(encoding="utf-8")
    assert "<h1>flowrt test report</h1>" in page
    m = re.search(r"(\d+) passed, (\d+) failed", page)
    assert m and int(m.group(1)) > 40 and int(m.group(2)) >= 1
    failed = re.findall(r'<details class="case fail" id="case-([^"]+)" open>', page)
    assert "scenarios-inbound-support-scenario-yaml-gold-caller" in failed
    assert '<pre class="diff">' in page and '<span class="del">' in page
    assert "golden changed: scenarios/__goldens__/inbound-support/gold-caller.golden.yaml" in page
    assert "step 13: block `to-queue` took branch `at-capacity`" in page
    # One path diagram per (case, flow run), plus one coverage diagram per flow.
    cases = len(re.findall(r'<details class="case ', page))
    figures = page.count('<figure class="diagram">')
    assert figures >= cases + 8
    if shutil.which("dot") is not None:
        # Graphviz draws every diagram as inline SVG.
        assert page.count("<svg") == figures
        assert 'class="edge branch taken"' in page
    else:
        # Without Graphviz each diagram is its Mermaid text, so the page still says everything.
        assert page.count("<svg") == 0
        assert page.count("<pre>flowchart ") == figures
    assert '<section id="coverage">' in page and "branch coverage" in page
    for flow in ("inbound-support", "after-hours", "customer-queue"):
        assert f'id="flow-{flow}"' in page


def test_report_is_deterministic(report_file: Path, tmp_path: Path) -> None:
    project = report_file.parent / "flows"
    again = tmp_path / "again.html"
    cwd = Path.cwd()
    os.chdir(project)
    try:
        assert main(["test", "-q", "--html", str(again), "."]) == 1
    finally:
        os.chdir(cwd)
    assert again.read_bytes() == report_file.read_bytes()


# ---------------------------------------------------------------------------------------------
# the browser


class Browser:
    """A headless Chromium and one page, over the DevTools protocol."""

    def __init__(self, ws: Any, proc: subprocess.Popen[bytes]) -> None:
        self.ws = ws
        self.proc = proc
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        mine = self.next_id
        self.ws.send(json.dumps({"id": mine, "method": method, "params": params}))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mine:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                result: dict[str, Any] = msg.get("result", {})
                return result
            if "method" in msg:
                self.events.append(msg)
        raise TimeoutError(method)

    def wait_for(self, event: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(e["method"] == event for e in self.events):
                return
            msg = json.loads(self.ws.recv())
            if "method" in msg:
                self.events.append(msg)
        raise TimeoutError(event)

    def open(self, url: str) -> None:
        self.events.clear()
        self.call("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")
        # Let late console messages and resource errors arrive.
        self.call("Runtime.evaluate", expression="new Promise(r => setTimeout(r, 300))",
                  awaitPromise=True)  # fmt: skip

    def evaluate(self, expression: str) -> Any:
        out = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in out:
            raise RuntimeError(out["exceptionDetails"])
        return out["result"].get("value")

    def problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions, failed loads."""
        out = []
        for e in self.events:
            p = e.get("params", {})
            if e["method"] == "Runtime.consoleAPICalled" and p["type"] in ("error", "warning"):
                out.append(f"console.{p['type']}: {p['args']}")
            elif e["method"] == "Runtime.exceptionThrown":
                out.append(f"exception: {p['exceptionDetails']}")
            elif e["method"] == "Log.entryAdded" and p["entry"]["level"] in ("error", "warning"):
                out.append(f"log {p['entry']['level']}: {p['entry']['text']}")
            elif e["method"] == "Network.loadingFailed":
                out.append(f"load failed: {p.get('errorText')}")
        return out

    def requests(self) -> list[str]:
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e["method"] == "Network.requestWillBeSent"
        ]

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if CHROMIUM is None:
        pytest.fail("Chromium is required under CI (CI=true); .ci/run installs it")
    websocket = pytest.importorskip("websocket") if not IN_CI else __import__("websocket")
    profile = tempfile.mkdtemp(prefix="flowrt-chromium-")
    args = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",
        "--remote-allow-origins=*",
        "--window-size=1280,2000",
        "about:blank",
    ]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = Path(profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("Chromium did not start its DevTools endpoint")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as resp:
            targets = json.load(resp)
        page = next(t for t in targets if t["type"] == "page")
        ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
        b = Browser(ws, proc)
        for domain in ("Page", "Runtime", "Log", "Network"):
            b.call(f"{domain}.enable")
        b.call(
            "Emulation.setDeviceMetricsOverride",
            width=1280,
            height=2000,
            deviceScaleFactor=1,
            mobile=False,
        )
        yield b
        ws.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)


@needs_browser
def test_the_browser_reports_console_errors_and_failed_loads(
    browser: Browser, tmp_path: Path
) -> None:
    """A positive control: the checks below would see a broken page."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html><head><link rel="icon" href="data:,"></head><body>'
        '<img src="missing.png"><script>console.error("boom")</script></body></html>'
    )
    browser.open(bad.as_uri())
    problems = browser.problems()
    assert any("boom" in p for p in problems), problems
    assert any("missing.png" in p or "load failed" in p for p in problems), problems


@needs_browser
def test_report_opens_with_no_console_errors_and_visible_diagrams(
    browser: Browser, report_file: Path, tmp_path: Path
) -> None:
    browser.open(report_file.as_uri())
    assert browser.problems() == []
    assert [u for u in browser.requests() if not u.startswith(("file:", "data:"))] == []
    assert browser.evaluate("document.title").startswith("flowrt test report: ")
    shots = Path(os.environ.get("FLOWRT_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    shot = shots / "flowrt-report.png"
    browser.screenshot(shot)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    # Diagrams in the first screen: the failed case is open with its path drawn.
    first = browser.evaluate(
        """[...document.querySelectorAll('figure.diagram svg')].filter(s => {
             const r = s.getBoundingClientRect();
             return r.width > 100 && r.height > 100 && r.top < innerHeight;
           }).length"""
    )
    assert first >= 1
    # Every diagram has a size and is drawn once its case is opened.
    sizes = browser.evaluate(
        """document.querySelectorAll('details').forEach(d => d.open = true);
           [...document.querySelectorAll('figure.diagram svg')].map(s => {
             const r = s.getBoundingClientRect();
             const st = getComputedStyle(s);
             return [r.width, r.height, st.visibility, st.display,
                     s.querySelectorAll('g.edge').length];
           })"""
    )
    assert len(sizes) >= 40
    for width, height, visibility, display, edges in sizes:
        assert width > 50 and height > 50 and visibility == "visible" and display != "none"
        assert edges >= 2
    taken = browser.evaluate("document.querySelectorAll('g.edge.taken path').length")
    assert taken > 40
    colour = browser.evaluate(
        "getComputedStyle(document.querySelector('g.edge.taken path')).stroke"
    )
    assert colour == "rgb(217, 45, 32)"
    # The coverage section: its table and the flows coloured by coverage.
    top = browser.evaluate(
        "document.getElementById('coverage').scrollIntoView(); "
        "document.getElementById('coverage').getBoundingClientRect().top"
    )
    assert abs(top) < 5
    browser.screenshot(shots / "flowrt-report-coverage.png")
    assert browser.problems() == []
