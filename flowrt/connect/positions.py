"""Where a JSON key and its string value are in the text of a file that was read.

Import works on parsed JSON, which has no positions; its diagnostics find their place in the
file's text instead.  A `"key": "value"` pair is looked for written plainly (a flow file, a YAML
block scalar, a heredoc) and escaped once (inside a wrapper's or a CloudFormation template's
`Content` string), as `flowrt.connect.dangling` does for transitions.  Used for actions (their
`"Identifier"`) and for legacy console modules (their `"id"`, and within a module a parameter's
`"name"` or a branch's `"condition"`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from flowrt.connect.files import read_bounded
from flowrt.core.diagnostics import Span


def file_text(file: str) -> str:
    """The text of `file` as import read it (bounded, a FIFO or device not read), else ""."""
    raw, problem = read_bounded(Path(file), file)
    if problem is not None:
        return ""
    return raw.decode("utf-8-sig", errors="replace")


def find_pair(text: str, key: str, value: str, start: int = 0, end: int | None = None) -> int:
    """The offset of the first `"key": "value"` (its key's opening quote) in `text[start:end]`,
    plain or escaped once; -1 when it is not there."""
    quoted = json.dumps(value, ensure_ascii=False)
    escaped = json.dumps(quoted, ensure_ascii=False)[1:-1]
    stop = len(text) if end is None else end
    found = [
        m.start()
        for pattern in (
            re.escape(f'"{key}"') + r"\s*:\s*" + re.escape(quoted),
            re.escape(f'\\"{key}\\"') + r"\s*:\s*" + re.escape(escaped),
        )
        if (m := re.compile(pattern).search(text, start, stop)) is not None
    ]
    return min(found) if found else -1


def span_at(file: str, text: str, offset: int) -> Span:
    """A one-character span at `offset` of `text` (the start of the file when it is -1)."""
    if offset < 0:
        return Span(file, 1, 1, 1, 2)
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Span(file, line, column, line, column + 1)
