"""Replay: Amazon Connect flow logs read back into recorded contacts and replayed through flows.

`mapping` (log module types <-> block types), `generate` (the records a run would log),
`reader` (flow logs and contact records in, grouped by contact), `case` (a contact's records as a
recorded case), `fidelity` (replay and compare), `impact` (replay through changed flows),
`scenario_out` (recorded contacts as scenario cases).  See docs/replay.md.
"""
