"""flowrt's schemas in yaml-language-server (the server of the VS Code YAML extension), over LSP.

The server is a pinned npm package of the test tooling (tests/lsp/package.json and its lock),
installed here with `npm ci`.  The schemas are associated by file name as the SchemaStore
catalog entry (schemas/catalog.json) associates them, so the files need no modeline.  The test
checks what a user sees: block types completed with their descriptions and snippets, never
`[object Object]`; a hover in the user's words; the unknown branch of a `next:` reported as
such.  It is skipped only when node or npm is not installed (never under CI, which installs them).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.lsp_client import Client, position_of, uri

ROOT = Path(__file__).resolve().parent.parent
TOOLING = ROOT / "tests" / "lsp"
SERVER = TOOLING / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
pytestmark = pytest.mark.skipif(
    (shutil.which("node") is None or shutil.which("npm") is None) and not IN_CI,
    reason="node and npm are not installed: yaml-language-server cannot run (CI installs them: "
    ".ci/run)",
)


def _installed() -> None:
    """`npm ci` in the test tooling, once, under a file lock: with pytest-xdist the module's
    tests run in several workers, and a second `npm ci` (which first deletes node_modules) would
    pull the server from under the first worker's tests."""
    import fcntl

    with open(TOOLING / ".install.lock", "w", encoding="utf-8") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        _install()


def _install() -> None:
    lock = json.loads((TOOLING / "package-lock.json").read_text(encoding="utf-8"))
    wanted = lock["packages"]["node_modules/yaml-language-server"]["version"]
    have = SERVER.parent.parent / "package.json"
    if have.is_file() and json.loads(have.read_text(encoding="utf-8"))["version"] == wanted:
        return
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
        cwd=TOOLING,
        check=True,
        capture_output=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def yls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Client, Path]]:
    _installed()
    work = tmp_path_factory.mktemp("yls")
    catalog = json.loads((ROOT / "schemas" / "catalog.json").read_text(encoding="utf-8"))
    # the catalog's entries, with the schemas of this checkout instead of the published ones
    schemas = {
        uri(ROOT / "schemas" / entry["url"].rsplit("/", 1)[-1]): entry["fileMatch"]
        for entry in catalog["schemas"]
    }
    c = Client(["node", str(SERVER), "--stdio"], cwd=work)
    c.settings = {
        "yaml": {
            "schemas": schemas,
            "schemaStore": {"enable": False},
            "validate": True,
            "hover": True,
            "completion": True,
        }
    }
    try:
        c.initialize(work)
        c.notify("workspace/didChangeConfiguration", {"settings": c.settings})
        yield c, work
    finally:
        c.kill()


FLOW = """\
flow: demo
type: contact
start: pick
blocks:
  pick:
    type: set-working-queue
    queue: Premium
    next: {sucess: bye, error: bye}
  bye:
    type: disconnect
  fresh:
"""
FLOW += "    type: \n"  # the cursor goes after `type: `


def test_completion_hover_and_diagnostic(yls: tuple[Client, Path]) -> None:
    client, work = yls
    flow = work / "demo.flow.yaml"
    flow.write_text(FLOW, encoding="utf-8")
    client.open(flow, FLOW)
    diags = client.wait_diagnostics(uri(flow))
    while not diags:  # the schema is fetched after the first (empty) report
        diags = client.wait_diagnostics(uri(flow))
    line, col = position_of(FLOW, "sucess")
    found = [(d["message"], d["range"]["start"]) for d in diags]
    assert ("Property sucess is not allowed.", {"line": line, "character": col}) in found
    assert not any("is not of type" in d["message"] for d in diags)

    line, col = position_of(FLOW, "  fresh:\n    type: ", len("  fresh:\n    type: "))
    items = client.at("textDocument/completion", flow, line, col)["items"]
    labels = [i["label"] for i in items]
    assert "set-working-queue" in labels and "play-prompt" in labels
    assert not any("[object Object]" in str(i) for i in items)
    swq = next(i for i in items if i["label"] == "set-working-queue")
    assert "Set working queue: choose the queue" in json.dumps(swq["documentation"])

    line, col = position_of(FLOW, "set-working-queue", 3)
    hover = client.at("textDocument/hover", flow, line, col)
    text = json.dumps(hover)
    assert "Set working queue" in text and "seed" not in text.lower()


def _completion_with(
    client: Client, path: Path, line: int, col: int, label: str
) -> list[dict[str, Any]]:
    """The completion items once they hold `label`: the server associates the schema
    asynchronously, so a test that runs first in its worker (pytest-xdist) may ask before it
    has (bounded: 20 tries, 10 s)."""
    items: list[dict[str, Any]] = []
    for _ in range(20):
        items = client.at("textDocument/completion", path, line, col)["items"]
        if any(i["label"] == label for i in items):
            break
        time.sleep(0.5)
    return items


def test_block_snippet_offered(yls: tuple[Client, Path]) -> None:
    client, work = yls
    text = FLOW.replace("  fresh:\n    type: \n", "  fresh:\n    \n")
    flow = work / "snippet.flow.yaml"
    flow.write_text(text, encoding="utf-8")
    client.open(flow, text)
    line, _ = position_of(text, "  fresh:\n    \n", len("  fresh:\n"))
    items = _completion_with(client, flow, line, 4, "set-working-queue")
    snippet = next(i for i in items if i["label"] == "set-working-queue")
    assert "type: set-working-queue" in snippet["insertText"]
    assert "queue: " in snippet["insertText"]
    assert not any("[object Object]" in str(i) for i in items)


def test_scenario_outcome_never_object_object(yls: tuple[Client, Path]) -> None:
    client, work = yls
    text = "scenario: s\nflow: demo\ncases:\n  one:\n    expect:\n      outcome: \n"
    scenario = work / "demo.scenario.yaml"
    scenario.write_text(text, encoding="utf-8")
    client.open(scenario, text)
    line, col = position_of(text, "outcome: ", len("outcome: "))
    items = _completion_with(client, scenario, line, col, "disconnected")
    labels = [i["label"] for i in items]
    assert "disconnected" in labels and "{queued: Premium}" in labels
    assert "[object Object]" not in labels
