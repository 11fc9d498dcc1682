"""The run: the prepared contact and world, the runtime services, the interpreter's run loop and
the trace a run records.

May import: flowrt.core, flowrt.lang.
"""
