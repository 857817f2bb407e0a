from simulator.testing import growatt_sim, growatt_sim_options  # noqa: F401
