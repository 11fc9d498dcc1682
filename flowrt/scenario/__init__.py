"""Scenario files: the sample contacts and worlds of `*.scenario.yaml`, their `expect:`
assertions, their checks, and running a case (a call, or an email contact) through a program.

May import: flowrt.core, flowrt.lang, flowrt.run, flowrt.email.
"""
