"""`flowrt init`'s options, apart from the command (flowrt/cli/init.py).

Every command's parser is built for any `flowrt` command line, `flowrt --help` included; the
scaffold's module (templates, dataclasses, package resources) takes about 25 ms to import, so it
is imported only when `flowrt init` runs.
"""

from __future__ import annotations

import argparse
from typing import Any


def add_init(sub: Any) -> None:
    """Register `flowrt init` on the CLI's subparsers."""
    p = sub.add_parser(
        "init",
        help="scaffold a new project: instance, flows, a scenario, schemas, CI and pre-commit",
        description="Create a new flowrt project in DIR (default: the current directory): an "
        "instance, one flow per common pattern, a scenario with its goldens, the JSON Schemas "
        "for the editor modelines, a GitHub Actions workflow and a pre-commit configuration.  "
        "It validates and tests green at once.  When DIR is inside a git repository, the "
        "workflow and the pre-commit configuration go to the repository's root (the only place "
        "GitHub and pre-commit read them) and run flowrt on DIR.  Existing files are not "
        "overwritten: if any file of the scaffold exists, nothing is written and the exit code "
        "is 2, unless --skip-existing or --force says what to do with them.",
    )
    p.add_argument("dir", nargs="?", default=".", metavar="DIR", help="where to create it")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--skip-existing",
        action="store_true",
        help="write only the files that are missing and list the ones kept",
    )
    mode.add_argument(
        "--force",
        action="store_true",
        help="replace the scaffold's files that exist (and its own scenario's goldens); "
        "nothing else is touched",
    )
    p.add_argument(
        "--install",
        metavar="REQUIREMENT",
        help="what the workflow and pre-commit install flowrt from (a pip requirement: a git "
        "URL such as git+https://HOST/OWNER/flowrt@TAG, a path in the repository, or a version "
        "once flowrt is on the package index); without it the workflow installs what the "
        "repository variable FLOWRT_INSTALL names",
    )
    p.set_defaults(func=_cmd_init)


def _cmd_init(args: argparse.Namespace) -> int:
    from flowrt.cli.init import cmd_init

    return cmd_init(args)
