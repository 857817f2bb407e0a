"""A stateful Growatt cloud simulator speaking the ShinePhone mobile API.

    from simulator import SimulatorServer

    with SimulatorServer(scenario="demo", seed=1) as sim:
        api.server_url = sim.url  # "http://127.0.0.1:PORT/"

Standard library only; it never imports the web application or a Growatt client.
See simulator/README.md.
"""

from .clock import SimClock
from .faults import FAULT_NAMES, Faults
from .server import SimulatorServer
from .world import DEMO_PASSWORD, World, growatt_hash

__all__ = ["DEMO_PASSWORD", "FAULT_NAMES", "Faults", "SimClock", "SimulatorServer", "World", "growatt_hash"]
