"""The steps of ``slotgrab demo``: a policy comparison in the simulator, short load runs against
the reference service, and the conclusion table. The CLI (:mod:`sim.cli.demo`) strings them
together and writes the report."""
