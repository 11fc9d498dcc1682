"""`flowrt lsp` end to end: a real server process driven over stdio by a JSON-RPC client.

Each test copies a project (the example project `flows/`, or a fresh `flowrt init` one) and
runs a session: initialise, open, edit, complete, hover, definition, references, rename, quick
fix, symbols, code lens, shut down, asserting the exact answers.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lsp_client import Client, position_of, uri

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def project(tmp_path: Path) -> Path:
    dest = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", dest)
    return dest


@pytest.fixture
def client(project: Path) -> Iterator[Client]:
    c = Client([sys.executable, "-m", "flowrt", "lsp", "--stdio"], cwd=project)
    try:
        c.initialize(project)
        yield c
    finally:
        c.kill()


def _labels(result: dict[str, object]) -> list[str]:
    return [i["label"] for i in result["items"]]  # type: ignore[index]


def test_session_on_the_example_project(client: Client, project: Path) -> None:
    flow = project / "inbound-support.flow.yaml"
    text = flow.read_text(encoding="utf-8")
    client.open(flow)
    assert client.wait_diagnostics(uri(flow)) == []

    # an edit: a misspelt next target is FR020, where `flowrt validate` puts it
    broken = text.replace(
        "next: {no-match: greet, error: greet}", "next: {no-match: gret, error: greet}"
    )
    client.change(flow, broken)
    diags = client.wait_diagnostics(uri(flow))
    line, col = position_of(broken, "no-match: gret", len("no-match: "))
    assert diags == [
        {
            "range": {
                "start": {"line": line, "character": col},
                "end": {"line": line, "character": col + 4},
            },
            "message": "block `check-channel` (check-contact-attributes): branch `no-match` goes "
            "to unknown block `gret` (did you mean `greet`?)",
            "severity": 1,
            "code": "FR020",
            "source": "flowrt",
        }
    ]
    cli = subprocess.run(
        [sys.executable, "-m", "flowrt", "validate", str(project)],
        capture_output=True,
        text=True,
        cwd=project,
    )
    assert cli.returncode == 0  # the edit is not saved: the file on disk is still valid

    # the quick fix of the "did you mean"
    actions = client.request(
        "textDocument/codeAction",
        {
            "textDocument": {"uri": uri(flow)},
            "range": diags[0]["range"],
            "context": {"diagnostics": diags},
        },
    )
    assert [
        (a["title"], a["kind"], a["edit"]["changes"][uri(flow)][0]["newText"]) for a in actions
    ] == [("Change to `greet`", "quickfix", "greet")]
    client.change(flow, text, version=3)
    assert client.wait_diagnostics(uri(flow)) == []

    # completion: next targets are the flow's blocks; branches per block type
    line, col = position_of(text, "next: {no-match: greet", len("next: {no-match: gr"))
    labels = _labels(client.at("textDocument/completion", flow, line, col))
    assert labels[:4] == ["enable-logging", "set-voice", "check-channel", "written-welcome"]
    assert "greet" in labels
    line, col = position_of(text, "    next: {no-match: greet", len("    next: {"))
    assert _labels(client.at("textDocument/completion", flow, line, col)) == ["no-match", "error"]

    # hover on a next target: the block's type and documentation
    line, col = position_of(text, "no-match: greet", len("no-match: g"))
    hover = client.at("textDocument/hover", flow, line, col)
    assert hover["contents"]["value"].startswith("**block** `greet` (play-prompt)\n\nPlay prompt:")

    # definition of the target: the block's key
    target = client.at("textDocument/definition", flow, line, col)
    dline, dcol = position_of(text, "\n  greet:", 3)
    assert target == {
        "uri": uri(flow),
        "range": {"start": {"line": dline, "character": 2}, "end": {"line": dline, "character": 7}},
    }
    refs = client.at(
        "textDocument/references", flow, line, col, context={"includeDeclaration": False}
    )
    # the two `next:` of check-channel, and a scenario's fault injection (`errors: [..., greet]`)
    scenario = project / "scenarios" / "inbound-support.scenario.yaml"
    sline, scol = position_of(scenario.read_text(encoding="utf-8"), "check-channel, greet", 15)
    assert sorted(
        (r["uri"], r["range"]["start"]["line"], r["range"]["start"]["character"]) for r in refs
    ) == sorted(
        [
            (uri(flow), *position_of(text, "no-match: greet", len("no-match: "))),
            (uri(flow), *position_of(text, "error: greet}", len("error: "))),
            (uri(scenario), sline, scol),
        ]
    )

    # rename: the key, both next references and the goldens that recorded the block
    edit = client.at("textDocument/rename", flow, line, col, newName="welcome-voice")
    changes = edit["changes"]
    assert [e["newText"] for e in changes[uri(flow)]] == ["welcome-voice"] * 3
    assert [e["range"]["start"] for e in changes[uri(scenario)]] == [
        {"line": sline, "character": scol}
    ]
    golden = project / "scenarios" / "__goldens__" / "inbound-support" / "gold-caller.golden.yaml"
    assert uri(golden) in changes
    gtext = golden.read_text(encoding="utf-8")
    for e in changes[uri(golden)]:
        r = e["range"]
        assert (
            gtext.split("\n")[r["start"]["line"]][r["start"]["character"] : r["end"]["character"]]
            == "greet"
        )

    # document symbols: the blocks, with their types
    symbols = client.request("textDocument/documentSymbol", {"textDocument": {"uri": uri(flow)}})
    assert [(s["name"], s["detail"]) for s in symbols[:3]] == [
        ("enable-logging", "set-logging-behavior"),
        ("set-voice", "connect-action"),
        ("check-channel", "check-contact-attributes"),
    ]
    assert client.shutdown() == 0


def test_instance_edit_rechecks_the_flows(client: Client, project: Path) -> None:
    """An edit of instance.yaml re-checks the flows: a queue renamed there is unknown in them."""
    instance = project / "instance.yaml"
    flow = project / "inbound-support.flow.yaml"
    client.open(flow)
    client.wait_diagnostics(uri(flow))
    text = instance.read_text(encoding="utf-8")
    client.open(instance)
    client.change(instance, text.replace("\n  Premium:", "\n  Premium2:", 1))
    found = client.wait_diagnostics(uri(flow))
    while not found:  # the open's own (empty) diagnostics may come first
        found = client.wait_diagnostics(uri(flow))
    line, col = position_of(flow.read_text(encoding="utf-8"), "queue: Premium", len("queue: "))
    assert [(d["code"], d["message"], d["range"]["start"]) for d in found] == [
        (
            "FR021",
            "block `premium-queue` (set-working-queue): unknown queue `Premium` (did you mean "
            "`Premium2`?)\nhint: queues are declared under `queues:` in instance.yaml",
            {"line": line, "character": col},
        )
    ]


def test_hover_and_completion_of_instance_names(client: Client, project: Path) -> None:
    flow = project / "inbound-support.flow.yaml"
    text = flow.read_text(encoding="utf-8")
    client.open(flow)
    line, col = position_of(text, "queue: Premium", len("queue: Pr"))
    hover = client.at("textDocument/hover", flow, line, col)["contents"]["value"]
    assert hover.startswith("**queue** `Premium`\n\ncapacity: 10 contacts\n\nhours: `")
    labels = _labels(client.at("textDocument/completion", flow, line, col))
    assert "Premium" in labels and "BasicQueue" in labels
    # the definition of a queue is its entry in instance.yaml
    target = client.at("textDocument/definition", flow, line, col)
    assert target["uri"] == uri(project / "instance.yaml")
    # a block type's documentation on `type:`
    line, col = position_of(text, "type: play-prompt", len("type: pl"))
    hover = client.at("textDocument/hover", flow, line, col)["contents"]["value"]
    assert hover.startswith("Play prompt:") and "**Branches**: `success`, `error`" in hover
    # a key of a block: its meaning for that block type
    line, col = position_of(text, "    queue: Premium", 6)
    hover = client.at("textDocument/hover", flow, line, col)["contents"]["value"]
    assert hover == "**queue** (set-working-queue)\n\nQueue name, or `$.` reference to a queue ARN."


def test_block_snippets_and_keys(client: Client, project: Path) -> None:
    flow = project / "after-hours.flow.yaml"
    text = flow.read_text(encoding="utf-8")
    edited = text.replace("\nblocks:\n", "\nblocks:\n  \n", 1)
    client.open(flow, edited)
    line, _ = position_of(edited, "\nblocks:\n  \n", len("\nblocks:\n"))
    items = client.at("textDocument/completion", flow, line, 2)["items"]
    swq = next(i for i in items if i["label"] == "set-working-queue block")
    assert swq["insertTextFormat"] == 2
    assert (
        swq["insertText"]
        == "${1:queue}:\n  type: set-working-queue\n  queue: ${2}\n  next: {success: ${3}, error: ${4}}"
    )
    keyed = edited.replace("  \n", "  fresh:\n    type: set-working-queue\n    \n", 1)
    client.change(flow, keyed)
    line, _ = position_of(keyed, "type: set-working-queue\n", len("type: set-working-queue\n"))
    labels = _labels(client.at("textDocument/completion", flow, line, 4))
    assert labels == ["type", "id", "description", "next", "queue", "agent"]


def test_scenario_completion_and_code_lens(client: Client, project: Path) -> None:
    scenario = project / "scenarios" / "inbound-support.scenario.yaml"
    text = scenario.read_text(encoding="utf-8")
    client.open(scenario)
    lenses = client.request("textDocument/codeLens", {"textDocument": {"uri": uri(scenario)}})
    assert [(c["command"]["title"], c["command"]["arguments"][1]) for c in lenses[:2]] == [
        ("run this case", "gold-caller"),
        ("update golden", "gold-caller"),
    ]
    answer = client.request(
        "workspace/executeCommand",
        {"command": "flowrt.runCase", "arguments": [uri(scenario), "gold-caller"]},
    )
    assert answer == "gold-caller: passed (queued in Premium; golden: same)"
    # "update golden" rewrites a golden that moved, and says so
    golden = project / "scenarios" / "__goldens__" / "inbound-support" / "gold-caller.golden.yaml"
    before = golden.read_text(encoding="utf-8")
    golden.write_text(before.replace("queued in Premium", "queued in BasicQueue"), encoding="utf-8")
    answer = client.request(
        "workspace/executeCommand",
        {"command": "flowrt.runCase", "arguments": [uri(scenario), "gold-caller"]},
    )
    assert answer.startswith(
        "gold-caller: failed (queued in Premium; golden: changed): golden changed"
    )
    answer = client.request(
        "workspace/executeCommand",
        {"command": "flowrt.updateGolden", "arguments": [uri(scenario), "gold-caller"]},
    )
    assert answer == "gold-caller: passed (queued in Premium; golden: updated)"
    assert golden.read_text(encoding="utf-8") == before
    assert client.messages[-1] == answer
    edited = text.replace("  gold-caller:\n", "  gold-caller:\n    expect:\n      \n", 1)
    client.change(scenario, edited)
    line, _ = position_of(edited, "    expect:\n      \n", len("    expect:\n"))
    labels = _labels(client.at("textDocument/completion", scenario, line, 6))
    assert labels[:4] == ["outcome", "visits", "visits-in-order", "first"]


def test_fresh_init_project(tmp_path: Path) -> None:
    """On what `flowrt init` writes: diagnostics, completion, definition of a scenario's block
    name and of a transfer-to-flow target, and a rename across flow, scenario and goldens."""
    subprocess.run(
        [sys.executable, "-m", "flowrt", "init", str(tmp_path / "p")],
        check=True,
        capture_output=True,
    )
    root = tmp_path / "p"
    flow = root / "flows" / "main.flow.yaml"
    scenario = root / "scenarios" / "main.scenario.yaml"
    text = flow.read_text(encoding="utf-8")
    stext = scenario.read_text(encoding="utf-8")
    c = Client([sys.executable, "-m", "flowrt", "lsp"], cwd=root)
    try:
        c.initialize(root)
        c.open(flow)
        assert c.wait_diagnostics(uri(flow)) == []
        line, col = position_of(text, "\nstart: greet", len("\nstart: "))
        assert _labels(c.at("textDocument/completion", flow, line, col)) == [
            "greet",
            "hours",
            "to-after-hours",
            "menu",
            "sales",
            "support",
            "to-queue",
            "busy",
            "sorry",
            "queued",
            "hang-up",
        ]
        # a transfer-to-flow target leads to the flow's `flow:` line
        line, col = position_of(text, "flow: after-hours", len("flow: a"))
        target = c.at("textDocument/definition", flow, line, col)
        after = root / "flows" / "after-hours.flow.yaml"
        aline, _ = position_of(after.read_text(encoding="utf-8"), "flow: after-hours")
        assert target == {
            "uri": uri(after),
            "range": {
                "start": {"line": aline, "character": 6},
                "end": {"line": aline, "character": 17},
            },
        }
        # a block named in a scenario assertion leads to the block
        c.open(scenario)
        line, col = position_of(stext, "[greet, hours, menu", len("[greet, hours, m"))
        target = c.at("textDocument/definition", scenario, line, col)
        mline, _ = position_of(text, "\n  menu:", 1)
        assert target["uri"] == uri(flow) and target["range"]["start"] == {
            "line": mline,
            "character": 2,
        }
        # rename `menu`: the flow's key and next, the scenario's input keys and assertion,
        # the goldens' steps
        edit = c.at("textDocument/rename", scenario, line, col, newName="choice")["changes"]
        assert [e["newText"] for e in edit[uri(flow)]] == ["choice", "choice"]
        in_scenario = edit[uri(scenario)]
        lines = stext.split("\n")
        assert sorted(
            (e["range"]["start"]["line"] + 1, lines[e["range"]["start"]["line"]])
            for e in in_scenario
        ) == [
            (n + 1, text_)
            for n, text_ in enumerate(lines)
            if "menu: [" in text_ or "hours, menu," in text_
        ]
        for e in in_scenario:
            r = e["range"]
            assert (
                lines[r["start"]["line"]][r["start"]["character"] : r["end"]["character"]] == "menu"
            )
        golden = root / "scenarios" / "__goldens__" / "main" / "sales.golden.yaml"
        gl = golden.read_text(encoding="utf-8").split("\n")
        assert [gl[e["range"]["start"]["line"]].strip() for e in edit[uri(golden)]] == [
            "next: menu",
            "block: menu",
        ]
        # a name already used is refused
        answer = c.request_raw(
            "textDocument/rename",
            {
                "textDocument": {"uri": uri(scenario)},
                "position": {"line": line, "character": col},
                "newName": "sales",
            },
        )
        assert "already has a block `sales`" in answer["error"]["message"]
        assert c.shutdown() == 0
    finally:
        c.kill()


@pytest.mark.parametrize(("encoding", "width"), [("utf-16", 2), ("utf-8", 4), ("utf-32", 1)])
def test_positions_in_the_agreed_encoding(project: Path, encoding: str, width: int) -> None:
    """An emoji before a misspelt target moves the range by its width in the editor's units."""
    c = Client([sys.executable, "-m", "flowrt", "lsp"], cwd=project)
    try:
        answer = c.initialize(project, encodings=[encoding])
        assert answer["capabilities"]["positionEncoding"] == encoding
        flow = project / "after-hours.flow.yaml"
        text = flow.read_text(encoding="utf-8").replace(
            "next: {success: hang-up, error: hang-up}",
            'next: {success: "\U0001f642", error: hang-upx}',
        )
        c.open(flow, text)
        diags = c.wait_diagnostics(uri(flow))
        line, col = position_of(text, "hang-upx")
        # the emoji is one character: the column after it counts it as `width` units
        start = {"line": line, "character": col - 1 + width}
        assert [d["range"]["start"] for d in diags if "hang-upx" in d["message"]] == [start]
        # a position sent in those units is the same place: hover on a target after the emoji
        fixed = text.replace("hang-upx", "hang-up")
        c.change(flow, fixed)
        c.wait_diagnostics(uri(flow))
        line, col = position_of(fixed, "error: hang-up", len("error: h"))
        hover = c.at("textDocument/hover", flow, line, col - 1 + width)
        assert hover["contents"]["value"].startswith("**block** `hang-up` (disconnect)")
        assert c.shutdown() == 0
    finally:
        c.kill()


HOSTILE = [
    "flow: x\n" + "a" * 2_000_000 + "\n",
    "flow: x\nblocks:\n" + "".join("  " * i + f"k{i}:\n" for i in range(300)),
    "flow: \x1b[31mred\x1b[0m\ntype: contact\nblocks: {a: {type: disconnect}}\nstart: a\n",
    "\ud800 lone surrogate\n",
    "[" * 10_000,
    "blocks:\n  a: &x [*x]\n",
]


def test_hostile_input_keeps_the_server_up(client: Client, project: Path) -> None:
    flow = project / "hostile.flow.yaml"
    client.open(flow, "flow: hostile\n")
    client.wait_diagnostics(uri(flow))
    for n, text in enumerate(HOSTILE):
        client.change(flow, text, version=n + 2)
        diags = client.wait_diagnostics(uri(flow))
        assert diags and all(d["source"] == "flowrt" for d in diags)
        assert not any("\x1b" in d["message"] for d in diags)  # shown as `\x1b`, not sent
        client.at("textDocument/completion", flow, 1, 5)
        client.at("textDocument/hover", flow, 0, 3)
    client.send_raw(b'{"jsonrpc": "2.0", "method": "textDocument/didChange", "params": \xff\xfe}')
    assert (
        client.request("textDocument/documentSymbol", {"textDocument": {"uri": uri(flow)}})
        is not None
    )
    assert client.shutdown() == 0


def test_without_the_lsp_extra_one_line_and_exit_2() -> None:
    """Without pygls, `flowrt lsp` says how to install it, in one line, and exits 2."""
    code = (
        "import sys; sys.modules['pygls'] = None; from flowrt.cli import main; "
        "raise SystemExit(main(['lsp']))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (
        2,
        "",
        "flowrt lsp: the language server needs pygls: pip install 'flowrt[lsp]'\n",
    )
