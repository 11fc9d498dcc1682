"""`flowrt lsp`: the requests of the Language Server Protocol, answered over stdio with pygls.

Every handler is guarded: whatever the editor sends (a file of hostile YAML, a position past the
end of a line, a request for a file outside any project), the server answers with an empty
result and logs why, and stays up.  Diagnostics are published after each open, change, save
and close, for every file of the edited file's project.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from flowrt.core import __version__
from flowrt.core.files import kind_of
from flowrt.lang.schema import BLOCK_NAME_PATTERN
from flowrt.lsp import navigation as nav
from flowrt.lsp.completion import complete
from flowrt.lsp.context import cursor_at
from flowrt.lsp.convert import diagnostic, position, to_range, use_encoding
from flowrt.lsp.index import Site
from flowrt.lsp.workspace import Checked, Workspace, path_to_uri, uri_to_path

log = logging.getLogger("flowrt.lsp")
T = TypeVar("T")


class Refused(Exception):
    """A request the server answers with an error the editor shows (a rename to a name that is
    taken or not a block name)."""


def guarded(default: Any) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """A handler that logs an unexpected error and answers `default` instead of failing."""

    def wrap(fn: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> T:
            try:
                return fn(*args, **kwargs)
            except Refused:
                raise
            except Exception:  # noqa: BLE001 - the server must stay up on any input
                log.exception("flowrt lsp: %s failed", fn.__name__)
                return default  # type: ignore[no-any-return]

        return inner

    return wrap


class FlowrtServer(LanguageServer):
    """The language server: pygls plus flowrt's workspace of checked projects."""

    def __init__(self) -> None:
        super().__init__("flowrt", __version__)
        self.flowrt = Workspace()

    def check(self, path: Path, edited: bool = False) -> Checked | None:
        """Re-check the project of `path` and publish the diagnostics that changed, and always
        those of the file just opened or edited (the editor waits for them)."""
        root = self.flowrt.root_of(path)
        if root is None:
            return None
        checked, files = self.flowrt.check(root)
        if edited:
            files.add(str(path))
        for file in sorted(files):
            lines = (self.flowrt.text(Path(file)) or "").split("\n")
            found = checked.diagnostics.get(file, [])
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(
                    uri=path_to_uri(file), diagnostics=[diagnostic(d, lines) for d in found]
                )
            )
        return checked

    def checked(self, uri: str) -> tuple[Path, str, Checked] | None:
        """A document's path, its text and its project's last check (checked now if never)."""
        path = uri_to_path(uri)
        if path is None or kind_of(path) is None:
            return None
        text = self.flowrt.text(path)
        if text is None:
            return None
        checked = self.flowrt.last(path) or self.check(path)
        return (path, text, checked) if checked is not None else None


server = FlowrtServer()


@server.feature(types.INITIALIZED)
@guarded(None)
def initialized(ls: FlowrtServer, params: types.InitializedParams) -> None:
    # positions are counted in the encoding pygls agreed with the editor
    agreed = ls.workspace.position_encoding or "utf-16"
    use_encoding(str(getattr(agreed, "value", agreed)))


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
@guarded(None)
def did_open(ls: FlowrtServer, params: types.DidOpenTextDocumentParams) -> None:
    path = uri_to_path(params.text_document.uri)
    if path is not None and kind_of(path) is not None:
        ls.flowrt.open(path, params.text_document.text)
        ls.check(path, edited=True)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
@guarded(None)
def did_change(ls: FlowrtServer, params: types.DidChangeTextDocumentParams) -> None:
    path = uri_to_path(params.text_document.uri)
    if path is None or kind_of(path) is None:
        return
    doc = ls.workspace.get_text_document(params.text_document.uri)
    ls.flowrt.open(path, doc.source)
    ls.check(path, edited=True)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
@guarded(None)
def did_save(ls: FlowrtServer, params: types.DidSaveTextDocumentParams) -> None:
    path = uri_to_path(params.text_document.uri)
    if path is not None and kind_of(path) is not None:
        ls.check(path)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
@guarded(None)
def did_close(ls: FlowrtServer, params: types.DidCloseTextDocumentParams) -> None:
    path = uri_to_path(params.text_document.uri)
    if path is not None and kind_of(path) is not None:
        ls.flowrt.close(path)  # the file on disk counts again
        ls.check(path)


@server.feature(
    types.TEXT_DOCUMENT_COMPLETION,
    types.CompletionOptions(trigger_characters=[":", " ", "/"]),
)
@guarded(None)
def completion(ls: FlowrtServer, params: types.CompletionParams) -> types.CompletionList | None:
    found = ls.checked(params.text_document.uri)
    if found is None:
        return None
    path, text, checked = found
    lines = text.split("\n")
    _, column = position(params.position, lines)
    items = complete(path, text, params.position.line, column - 1, checked.index)
    return types.CompletionList(is_incomplete=False, items=items)


@server.feature(types.TEXT_DOCUMENT_HOVER)
@guarded(None)
def hover(ls: FlowrtServer, params: types.HoverParams) -> types.Hover | None:
    found = ls.checked(params.text_document.uri)
    if found is None:
        return None
    path, text, checked = found
    lines = text.split("\n")
    line, column = position(params.position, lines)
    site = checked.index.at(str(path), line, column)
    value = nav.hover_text(checked.index, site) if site is not None else None
    if value is None and kind_of(path) == "flow":
        cursor = cursor_at(text, params.position.line, len(lines[line - 1]))
        if len(cursor.path) == 2 and cursor.path[0] == "blocks" and cursor.key is not None:
            if cursor.key == "type":
                value = nav.hover_type(cursor.prefix)
            elif column <= lines[line - 1].find(cursor.key) + len(cursor.key) + 1:
                # on a key of a block: what the key means for the block's type
                value = nav.hover_key(lines, cursor.lines[1], cursor.key)
    if value is None:
        return None
    return types.Hover(contents=types.MarkupContent(types.MarkupKind.Markdown, value))


def _site(ls: FlowrtServer, uri: str, pos: types.Position) -> tuple[Checked, Site] | None:
    found = ls.checked(uri)
    if found is None:
        return None
    path, text, checked = found
    line, column = position(pos, text.split("\n"))
    site = checked.index.at(str(path), line, column)
    return (checked, site) if site is not None else None


@server.feature(types.TEXT_DOCUMENT_DEFINITION)
@guarded(None)
def definition(ls: FlowrtServer, params: types.DefinitionParams) -> types.Location | None:
    found = _site(ls, params.text_document.uri, params.position)
    if found is None:
        return None
    target = nav.definition_of(found[0].index, found[1])
    return nav.location(ls.flowrt, target) if target is not None else None


@server.feature(types.TEXT_DOCUMENT_REFERENCES)
@guarded(None)
def references(ls: FlowrtServer, params: types.ReferenceParams) -> list[types.Location] | None:
    found = _site(ls, params.text_document.uri, params.position)
    if found is None:
        return None
    sites = nav.references_of(found[0].index, found[1], params.context.include_declaration)
    return [nav.location(ls.flowrt, s) for s in sites]


@server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
@guarded(None)
def prepare_rename(ls: FlowrtServer, params: types.PrepareRenameParams) -> types.Range | None:
    found = _site(ls, params.text_document.uri, params.position)
    if found is None or found[1].kind != "block":
        return None
    return nav.location(ls.flowrt, found[1]).range


@server.feature(types.TEXT_DOCUMENT_RENAME)
@guarded(None)
def rename(ls: FlowrtServer, params: types.RenameParams) -> types.WorkspaceEdit | None:
    import re

    found = _site(ls, params.text_document.uri, params.position)
    if found is None or found[1].kind != "block":
        return None
    if not re.match(BLOCK_NAME_PATTERN, params.new_name):
        raise Refused(f"`{params.new_name}` is not a block name")
    checked, site = found
    target = nav.definition_of(checked.index, site) or site
    if checked.index.definition(("block", target.scope, params.new_name)) is not None:
        raise Refused(f"flow `{target.scope}` already has a block `{params.new_name}`")
    return types.WorkspaceEdit(changes=nav.rename_edits(ls.flowrt, checked, site, params.new_name))


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
)
@guarded(None)
def code_action(ls: FlowrtServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    path = uri_to_path(params.text_document.uri)
    text = ls.flowrt.text(path) if path is not None else None
    if text is None:
        return None
    return nav.quick_fixes(params.text_document.uri, text, list(params.context.diagnostics))


@server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
@guarded(None)
def document_symbol(
    ls: FlowrtServer, params: types.DocumentSymbolParams
) -> list[types.DocumentSymbol] | None:
    found = ls.checked(params.text_document.uri)
    if found is None:
        return None
    path, text, checked = found
    doc = checked.index.docs.get(str(path))
    if doc is None:
        return []
    return nav.symbols(doc, text.split("\n"), kind_of(path))


@server.feature(types.TEXT_DOCUMENT_CODE_LENS)
@guarded(None)
def code_lens(ls: FlowrtServer, params: types.CodeLensParams) -> list[types.CodeLens] | None:
    found = ls.checked(params.text_document.uri)
    if found is None or kind_of(found[0]) != "scenario":
        return None
    path, text, checked = found
    doc = checked.index.docs.get(str(path))
    return nav.code_lenses(doc, str(path), text.split("\n")) if doc is not None else []


@server.command(nav.RUN_CASE)
@guarded(None)
def run_case(ls: FlowrtServer, uri: str, case: str) -> str | None:
    return _run(ls, uri, case, update=False)


@server.command(nav.UPDATE_GOLDEN)
@guarded(None)
def update_golden(ls: FlowrtServer, uri: str, case: str) -> str | None:
    return _run(ls, uri, case, update=True)


def _run(ls: FlowrtServer, uri: str, case: str, update: bool) -> str | None:
    path = uri_to_path(uri)
    if path is None or kind_of(path) != "scenario":
        return None
    line = nav.run_case(path, case, update)
    ls.window_show_message(types.ShowMessageParams(types.MessageType.Info, line))
    return line


def main() -> int:
    """Serve on stdin and stdout until the editor says exit; 0 after a shutdown, else 1.

    pygls closes the stream it writes to when the editor says exit: it is given its own copy
    of stdout, so the command line's own last flush of stdout still works."""
    import os
    import sys

    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    try:
        server.start_io(sys.stdin.buffer, out)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    finally:
        if not out.closed:
            out.close()
    return 0 if server.protocol._shutdown else 1


__all__ = ["FlowrtServer", "main", "server", "to_range"]
