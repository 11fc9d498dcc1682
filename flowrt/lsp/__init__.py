"""The language server (`flowrt lsp`): flowrt's diagnostics, completion, hover, navigation and
renames in an editor, over the Language Server Protocol on stdio.

`workspace.py` keeps the editor's texts and re-checks a project through the project driver (the
very diagnostics of `flowrt validate`); `index.py` lists every name a project defines and every
place that refers to one, from the loader's positions; `context.py` reads what the cursor is on
from the text alone (a file being typed is often not valid YAML); `features.py` answers each
request from those; `server.py` wires them to pygls (an optional dependency: `flowrt[lsp]`).
"""
