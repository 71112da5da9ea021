"""The steps of ``slotgrab demo``: a policy comparison in the simulator, short load runs against
the reference service, and the conclusion table; :mod:`sim.demo.pipeline` strings them
together and writes the report, and the CLI (:mod:`sim.cli.demo`) prints it."""
