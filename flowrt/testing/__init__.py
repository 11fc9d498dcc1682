"""Testing flows: the suite behind `flowrt test`, golden files, branch coverage, the pytest plugin
and the syrupy extension.

May import: flowrt.core, flowrt.lang, flowrt.run, flowrt.email, flowrt.scenario, flowrt.project.
"""
