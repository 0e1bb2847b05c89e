"""pytest-xdist plumbing: scheduling by group, the seed and the request budget shared with workers.

The plugin works without xdist too: these hooks are optional.
"""

from __future__ import annotations

from typing import Any

import pytest


def is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def worker_input(config: pytest.Config) -> dict[str, Any] | None:
    worker: dict[str, Any] | None = getattr(config, "workerinput", None)
    return worker


def distributed(config: pytest.Config) -> bool:
    """True in xdist's controller (the process that collects the workers' reports)."""
    if is_worker(config):
        return False
    return bool(getattr(config.option, "numprocesses", None)) and getattr(config.option, "dist", "no") != "no"


def worker_count(config: pytest.Config) -> int:
    worker = worker_input(config)
    return int(worker.get("workercount", 1)) if worker else 1


def wants_loadgroup(config: pytest.Config) -> bool:
    """`-n N` alone distributes by `loadgroup`, so a campaign's checks share one campaign run."""
    option = config.option
    return bool(getattr(option, "numprocesses", None)) and getattr(option, "dist", None) == "no"


class XdistHooks:
    """Registered only when the run is active and xdist is loaded."""

    def __init__(self, seed: int, deadline: float | None = None) -> None:
        self.seed = seed
        self.deadline = deadline

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        """Every worker gets the run's seed, its deadline (--max-time), and the controller's scheduling choice."""
        node.workerinput["spry_seed"] = self.seed
        node.workerinput["spry_deadline"] = self.deadline
        node.workerinput["spry_loadgroup"] = node.config.option.dist == "loadgroup"
