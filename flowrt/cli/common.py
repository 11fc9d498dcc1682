"""What every command shares: the exit codes, the JSON envelope, colour, one-line value errors.

Exit codes, the same for every command (README.md and docs/ci.md show this table):

| code | meaning |
|---|---|
| 0 | ok: nothing to report (warnings allowed) |
| 1 | findings: an error diagnostic, a failed case or run, coverage under `--fail-under`, a file the system refused to write |
| 2 | usage: an unknown option or a bad value, a path that does not exist, an unknown flow or case |
| 5 | nothing selected: no case to run (`-k` matched none, no scenario case), no file to check or export |
| 130 | interrupted (Ctrl-C) |

Every `--format json` prints one JSON object, the envelope: `"format": "flowrt/1"` (the version
of these documents: a key is only ever added within a version), `"command"` (the subcommand that
printed it), then the command's payload keys.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

from flowrt.core.text import printable

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_NOTHING, EXIT_INTERRUPTED = 0, 1, 2, 5, 130

#: The version of every `--format json` document (the `format` key of the envelope).
JSON_FORMAT = "flowrt/1"

COLOR_MODES = ("auto", "always", "never")


def json_document(command: str, payload: Mapping[str, Any]) -> str:
    """The envelope of every `--format json` output: format version, command, then payload."""
    out = {"format": JSON_FORMAT, "command": command, **payload}
    return json.dumps(out, indent=2, sort_keys=True, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# colour


def use_color(stream: object, mode: str | None = "auto") -> bool:
    """Whether to colour what goes to `stream`.

    `--color always` / `never` decide.  Otherwise (`auto`): `NO_COLOR` (set and not empty) turns
    colour off and `FORCE_COLOR` (set and not empty) on, NO_COLOR first, as no-color.org and
    force-color.org ask; a `CI` variable that says true (`true`, `1`, `yes`) turns it off (CI
    logs are kept as text; `CI=false` changes nothing); `TERM=dumb` turns it off; else colour
    when the stream is a terminal."""
    if mode == "always":
        return True
    if mode == "never":
        return False
    env = os.environ
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    if env.get("CI", "").strip().lower() in ("true", "1", "yes", "on"):
        return False
    if env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except (OSError, ValueError):
        return False


# ---------------------------------------------------------------------------------------------
# values of options: each type says what is wrong in one line, in flowrt's words


def steps(value: str) -> int:
    """`--max-steps N`: a whole number from 1 to the interpreter's limit."""
    from flowrt.run.interpreter import MAX_STEPS_LIMIT

    try:
        n = int(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"`{_shown(value)}` is not a whole number: give N from 1 to {MAX_STEPS_LIMIT:,}"
        ) from None
    if not 1 <= n <= MAX_STEPS_LIMIT:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_STEPS_LIMIT:,}")
    return n


#: The most worker processes `-j` accepts (a bound on what a typo can start).
MAX_JOBS = 256


def jobs(value: str) -> int:
    """`-j N`: a whole number of processes from 1 to MAX_JOBS."""
    try:
        n = int(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"`{_shown(value)}` is not a whole number: give N from 1 to {MAX_JOBS}"
        ) from None
    if not 1 <= n <= MAX_JOBS:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_JOBS}")
    return n


def percent(value: str) -> float:
    """`--fail-under PERCENT`: a number from 0 to 100 (a trailing `%` is allowed)."""
    try:
        n = float(value.strip().removesuffix("%"))
    except ValueError:
        n = float("nan")
    if n != n:  # not a number (nan compares unequal to itself)
        raise argparse.ArgumentTypeError(
            f"`{_shown(value)}` is not a number: give a percentage from 0 to 100, e.g. 90"
        )
    if not 0 <= n <= 100:
        raise argparse.ArgumentTypeError("must be between 0 and 100")
    return n


_LOCAL_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?")
_CLOCK_EXAMPLE = "2026-11-23T09:00-05:00"


def clock(value: str) -> str:
    """`--clock ISO`: a date and time with a UTC offset, as a scenario's `world.clock`."""
    from datetime import datetime

    from flowrt.scenario.model import CLOCK_PATTERN

    shown = _shown(value)
    if _LOCAL_TIME.fullmatch(value):
        raise argparse.ArgumentTypeError(
            f"`{shown}` has no UTC offset; add an offset, e.g. -05:00 ({shown}-05:00), or Z for UTC"
        )
    if not re.fullmatch(CLOCK_PATTERN, value):
        raise argparse.ArgumentTypeError(
            f"`{shown}` is not a date and time; write YYYY-MM-DDTHH:MM[:SS] and a UTC offset, "
            f"e.g. {_CLOCK_EXAMPLE}"
        )
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"`{shown}` is not a date and time ({exc})") from None
    return value


def attr(value: str) -> tuple[str, str]:
    """`--attr KEY=VALUE`: a contact attribute (their size is checked with the contact)."""
    from flowrt.run.world import ATTRIBUTE_KEY_PATTERN

    key, eq, rest = value.partition("=")
    if not eq or not key:
        raise argparse.ArgumentTypeError(
            f"`{_shown(value)}` is not KEY=VALUE; write e.g. --attr tier=gold"
        )
    if not re.fullmatch(ATTRIBUTE_KEY_PATTERN, key):
        raise argparse.ArgumentTypeError(
            f"attribute key `{_shown(key)}` may only hold letters, digits, `-` and `_`"
        )
    return key, rest


def _shown(value: str) -> str:
    return printable(value if len(value) <= 60 else value[:57] + "...")


# ---------------------------------------------------------------------------------------------
# argparse's errors, one line in flowrt's words

_INVALID_CHOICE = re.compile(
    r"^argument (?P<opt>[^:]+): invalid choice: (?P<value>.*?) \(choose from (?P<choices>.*)\)$"
)
_ARGUMENT = re.compile(r"^argument (?P<opt>[^:]+): (?P<msg>.*)$", re.S)


def usage_message(prog: str, message: str) -> str:
    """An argparse error as one line: `flowrt run: --clock: ...`; what to do is in it."""
    m = _INVALID_CHOICE.match(message)
    if m:
        from flowrt.core.diagnostics import suggestion

        choices = [c.strip().strip("'\"") for c in m.group("choices").split(",")]
        value = m.group("value").strip("'\"")
        opt = m.group("opt")
        hint = suggestion(value, choices)
        if opt in ("COMMAND", "command"):
            return (
                f"{prog}: unknown command `{printable(value)}`{hint}; the commands are "
                f"{', '.join(choices)} (see `{prog} --help`)"
            )
        return f"{prog}: {opt}: `{printable(value)}` is not one of {', '.join(choices)}{hint}"
    m = _ARGUMENT.match(message)
    if m:
        msg = m.group("msg")
        if msg == "expected one argument":
            msg = "needs a value"
        return f"{prog}: {m.group('opt')}: {printable(msg)}"
    if message.startswith("the following arguments are required: "):
        missing = message.removeprefix("the following arguments are required: ")
        return f"{prog}: missing {missing} (see `{prog} --help`)"
    if message.startswith("unrecognized arguments: "):
        extra = message.removeprefix("unrecognized arguments: ")
        return f"{prog}: unknown option or extra argument: {printable(extra)} (see `{prog} --help`)"
    return f"{prog}: {printable(message)} (see `{prog} --help`)"


def missing_path(command: str, paths: Sequence[str]) -> str | None:
    """The one-line usage error for the first of `paths` that does not exist, or None."""
    for raw in paths:
        if not os.path.lexists(raw):
            return f"flowrt {command}: no such file or directory: {printable(raw)}"
    return None
