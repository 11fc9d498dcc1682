"""The email channel: StartEmailContact requests, agent actions, the instance's mailbox rules, and
the email session that runs each flow of an email contact through the run loop.

May import: flowrt.core, flowrt.lang, flowrt.run.
"""
