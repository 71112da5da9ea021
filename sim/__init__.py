"""slotgrab's model: scenarios, agents, policies, the modelled service, drivers, records, metrics."""

__version__ = "0.1.0"
