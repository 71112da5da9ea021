"""The adaptive adversary: search the scalper crew's choices for the best attack on a policy.

:mod:`sim.attack.candidate` turns a point of the search space into a validated crew and its
cost; :mod:`sim.attack.search` runs the Optuna search (TPE with median pruning over seeds,
batched so that results do not depend on how many cores run the cells);
:mod:`sim.attack.adaptive` ranks policy stacks by their worst case (``compare --adaptive``).
"""
