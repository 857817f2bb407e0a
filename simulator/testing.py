"""pytest fixtures: ``pytest_plugins = ["simulator.testing"]`` in the root conftest.

``growatt_sim`` yields a started demo ``SimulatorServer`` on a free port and
stops it afterwards.  Override the options per test with an indirect
parameter or the ``growatt_sim_options`` fixture::

    @pytest.fixture
    def growatt_sim_options():
        return {"start": "2026-06-21T10:00:00Z", "login_allowance": 3}
"""

from __future__ import annotations

import pytest

from .server import SimulatorServer


@pytest.fixture
def growatt_sim_options() -> dict:
    """Keyword arguments for the ``growatt_sim`` fixture's SimulatorServer (override in a test module)."""
    return {}


@pytest.fixture
def growatt_sim(request, growatt_sim_options):
    options = {"scenario": "demo", "seed": 1, **growatt_sim_options, **getattr(request, "param", {})}
    sim = SimulatorServer(**options).start()
    try:
        yield sim
    finally:
        sim.stop()
