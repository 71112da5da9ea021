"""slotgrab's model: scenarios, agents, policies, the modelled service, drivers, records, metrics."""

__version__ = "0.1.0"

from sim.compiled import install_source_finder

install_source_finder()  # SLOTGRAB_PURE_PYTHON=1 or a stale build: run the sources (sim/compiled.py)
