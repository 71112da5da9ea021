"""The load driver: the same agents as the simulator, run by Locust against a real target.

- :mod:`~sim.drivers.load.plan` — the plan (population, shards, the run window), no Locust;
- :mod:`~sim.drivers.load.engine` — runs one agent generator with real sleeps and HTTP calls
  and writes the records; gevent only;
- :mod:`~sim.drivers.load.connection` — each Locust user's kept-alive HTTP/1.1 connection
  (the wire client: one write per request, answers parsed without Locust's per-request
  machinery); gevent only;
- :mod:`~sim.drivers.load.timing` — lag and latency (plain and coordinated-omission corrected)
  in HdrHistogram precision;
- :mod:`~sim.drivers.load.locustfile` — the Locust user and the master/worker messages; the
  only module that imports locust (first, for gevent's monkey-patching). It doubles as a
  locustfile for workers on other machines;
- :mod:`~sim.drivers.load.run` — a whole load run (local or master + workers);
- :mod:`~sim.drivers.load.harness` — one load run end to end (provision, play, export, judge);
- :mod:`~sim.drivers.load.target` — the target: a URL, or a reference/naive service started
  on a free 127.0.0.1 port and stopped after;
- :mod:`~sim.drivers.load.stopping` — stopping a run early (target not there or gone, Ctrl-C)
  and marking its run folder incomplete; no Locust;
- :mod:`~sim.drivers.load.truth` — outcome metrics and invariants from the target's state;
- :mod:`~sim.drivers.load.calibration` — per-operation service times at low load, fitted as
  the scenario's ``service:`` block (no Locust).

Importing this package imports no Locust; ``locustfile``, ``run`` and ``harness`` do (first).
"""
