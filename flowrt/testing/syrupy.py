"""A syrupy extension that pins runs in flowrt's golden format.

```python
from flowrt.syrupy import FlowrtSnapshotExtension

@pytest.fixture
def snapshot(snapshot):
    return snapshot.use_extension(FlowrtSnapshotExtension)

def test_gold_caller(program, snapshot):
    assert program.run(contact, world) == snapshot
```

Each assertion is one file, `__snapshots__/<test module>/<test name>.golden.yaml`, holding the
same text `flowrt test` writes for a scenario case (outcome and every step), so a Python test and a
scenario file review alike.  `pytest --snapshot-update` writes them.
"""

from __future__ import annotations

from typing import Any

from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from flowrt.testing.golden import render_golden


class FlowrtSnapshotExtension(SingleFileSnapshotExtension):
    """Serialize a `flowrt.run.trace.Result` (or golden text) as a flowrt golden file."""

    _write_mode = WriteMode.TEXT
    # syrupy 5 and later read `file_extension`; syrupy 4 read `_file_extension`.
    file_extension = "golden.yaml"
    _file_extension = "golden.yaml"

    def serialize(self, data: Any, **kwargs: Any) -> str:
        from flowrt.run.trace import Result

        if isinstance(data, Result):
            return render_golden(data)
        if isinstance(data, str):
            return data
        raise TypeError(
            f"FlowrtSnapshotExtension pins flowrt run results, not {type(data).__name__}: "
            "assert program.run(contact, world) == snapshot"
        )
