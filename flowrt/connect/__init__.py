"""Amazon Connect interop: export flows to the flow language JSON and import them back (modern and
legacy exports), with the environment file that maps names to ARNs.

May import: flowrt.core, flowrt.lang, flowrt.run, flowrt.email, flowrt.scenario, flowrt.project.
"""
