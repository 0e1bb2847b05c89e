"""`python -m conformance.cli`: the command."""

from conformance.cli import console

console()
