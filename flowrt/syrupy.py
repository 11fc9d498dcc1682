"""The syrupy extension's public import path: `from flowrt.syrupy import FlowrtSnapshotExtension`.

The extension lives in flowrt.testing.syrupy with the rest of testing; this module keeps the path
users write in their conftest.py.
"""

from flowrt.testing.syrupy import FlowrtSnapshotExtension

__all__ = ["FlowrtSnapshotExtension"]
