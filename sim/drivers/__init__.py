"""Drivers run the agents: the SimPy driver against the modelled service, the Locust driver
against a real target over HTTP. Only the Locust driver imports locust."""
