"""`flowrt lsp`: the language server, over stdio (see docs/editors.md).

The server needs pygls, an optional dependency (`pip install 'flowrt[lsp]'`); without it the
command says so in one line and exits 2, instead of a traceback.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from flowrt.cli.common import EXIT_USAGE


def add_lsp(sub: Any) -> None:
    """Register `flowrt lsp`."""
    p = sub.add_parser(
        "lsp",
        help="run the language server (LSP over stdio) for editors",
        description="Run flowrt's language server: diagnostics as you type (exactly `flowrt "
        "validate`'s, across the project), completion, hover, go to definition, references, "
        "rename, quick fixes, document symbols and code lenses, over the Language Server "
        "Protocol on stdin and stdout.  Editors start it themselves: see docs/editors.md.  "
        "Needs the lsp extra: pip install 'flowrt[lsp]'.",
    )
    p.add_argument(
        "--stdio",
        action="store_true",
        help="speak LSP on stdin and stdout (the default and only transport; accepted because "
        "many editors pass it)",
    )
    p.set_defaults(func=cmd_lsp)


def cmd_lsp(args: argparse.Namespace) -> int:
    del args
    try:
        import lsprotocol  # noqa: F401
        import pygls  # noqa: F401
    except ImportError:
        print(
            "flowrt lsp: the language server needs pygls: pip install 'flowrt[lsp]'",
            file=sys.stderr,
        )
        return EXIT_USAGE
    from flowrt.lsp.server import main

    return main()
