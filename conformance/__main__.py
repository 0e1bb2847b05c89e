"""`python -m conformance`: the `spry-conformance` command."""

from conformance.cli import console

if __name__ == "__main__":
    console()
