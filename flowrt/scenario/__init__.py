"""Scenario files: the sample contacts and worlds of `*.scenario.yaml`, their `expect:`
assertions, their checks, and running a case (a call, or an email contact) through a program.

May import: flowrt.core, flowrt.lang, flowrt.run, flowrt.email.
"""

from typing import Any

#: Names the API documentation gives as `flowrt.scenario.<name>`, re-exported lazily so that
#: importing a module of this package does not load the scenario models.
_PUBLIC = {
    "Contact": "model",
    "World": "model",
    "ScenarioFile": "model",
    "cases_of": "model",
    "prepare_contact": "run",  # checks its argument (FlowrtError), then model's
    "prepare_world": "run",
    "run_contact": "run",
}


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(name)
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{module}"), name)
