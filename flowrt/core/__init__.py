"""The foundation every layer stands on: diagnostics (the error currency) and safe file writing.

Imports nothing of flowrt.
"""

__version__ = "0.1.0"
