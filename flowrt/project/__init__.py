"""The project driver: finds a project's files, loads and validates each, checks the instance and
the scenarios, and compiles the flows into a runnable `Program`; also generates the published
JSON Schemas from the models.

May import: flowrt.core, flowrt.lang, flowrt.run, flowrt.email, flowrt.scenario.
"""
