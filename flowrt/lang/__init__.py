"""The flow language: loading YAML with positions, expressions, block declarations, the instance
file, schema validation and the compiler that turns a validated flow into a block graph.

May import: flowrt.core.
"""
