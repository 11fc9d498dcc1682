"""docs/editors.md's Neovim configuration, run in headless Neovim against `flowrt lsp`.

The Lua block of the docs that starts the server for YAML buffers is extracted and used as is;
Neovim opens a flow with a misspelt `next:` target and must show flowrt's diagnostic at its
line and column.  Skipped when `nvim` is not installed (no other editor here has a headless
mode that runs a language server).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

needs_nvim = pytest.mark.skipif(shutil.which("nvim") is None, reason="Neovim is not installed")


def _docs_lua() -> str:
    text = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```lua\n(.*?)```", text, re.S)
    return next(b for b in blocks if "start_client" in b)


@needs_nvim
def test_neovim_shows_flowrt_diagnostics(tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(ROOT / "flows", project)
    flow = project / "after-hours.flow.yaml"
    text = flow.read_text(encoding="utf-8")
    edited = text.replace("{success: hang-up,", "{success: hang-upx,", 1)
    assert edited != text
    flow.write_text(edited, encoding="utf-8")
    out = tmp_path / "diagnostics.json"
    config = tmp_path / "init.lua"
    config.write_text("vim.cmd('filetype on')\n" + _docs_lua(), encoding="utf-8")
    wait = (
        "lua vim.wait(60000, function() return #vim.diagnostic.get(0) > 0 end, 100); "
        f"local f = io.open('{out}', 'w'); "
        "f:write(vim.fn.json_encode(vim.tbl_map(function(d) return "
        "{lnum = d.lnum, col = d.col, code = d.code, message = d.message} end, "
        "vim.diagnostic.get(0)))); f:close()"
    )
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(
        ["nvim", "--headless", "-n", "-u", str(config), str(flow), "-c", wait, "-c", "qa!"],
        cwd=project,
        env=env,
        timeout=120,
        check=True,
        capture_output=True,
    )
    found = json.loads(out.read_text(encoding="utf-8"))
    i = edited.index("hang-upx")
    line = edited.count("\n", 0, i)
    col = i - (edited.rfind("\n", 0, i) + 1)
    assert [(d["lnum"], d["col"], d["code"]) for d in found] == [(line, col, "FR020")]
    assert found[0]["message"].startswith(
        "block `closed` (play-prompt): branch `success` goes to unknown block `hang-upx` "
        "(did you mean `hang-up`?)"
    )
