"""`flowrt completion`'s options, apart from the command (flowrt/cli/completion.py).

Every command's parser is built for any `flowrt` command line, `flowrt --help` included; the
script generator's module (its dataclasses) costs a few milliseconds to import, so it is
imported only when `flowrt completion` runs.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from typing import Any

SHELLS = ("bash", "zsh", "fish")


def add_completion(sub: Any, build: Callable[[], argparse.ArgumentParser]) -> None:
    """Register `flowrt completion`; `build` makes the parser whose script it prints."""
    p = sub.add_parser(
        "completion",
        help="print a shell completion script (bash, zsh, fish)",
        description="Print the completion script of SHELL on standard output.  bash: `source "
        "<(flowrt completion bash)` in ~/.bashrc; zsh: `flowrt completion zsh > "
        '"${fpath[1]}/_flowrt"` (or `source <(flowrt completion zsh)` after compinit); fish: '
        "`flowrt completion fish > ~/.config/fish/completions/flowrt.fish`.",
    )
    p.add_argument("shell", choices=SHELLS, metavar="SHELL", help="bash, zsh or fish")
    p.set_defaults(func=functools.partial(cmd_completion, build=build))


def cmd_completion(args: argparse.Namespace, build: Callable[[], argparse.ArgumentParser]) -> int:
    """Print the completion script of `args.shell` for the parser `build` makes."""
    from flowrt.cli.completion import script

    sys.stdout.write(script(args.shell, build()))
    return 0
