import math
import pickle
from concurrent.futures import ProcessPoolExecutor

from sim.experiments import replicate, run_replication


def _comparable(summary: dict[str, float]) -> dict[str, float | None]:
    """NaN != NaN, so map undefined metrics to None before comparing summaries."""
    return {k: None if math.isnan(v) else v for k, v in summary.items()}


def test_same_rep_same_summary_other_rep_differs(tiny):
    a, rec_a = run_replication(tiny, 0)
    b, _ = run_replication(tiny, 0)
    c, _ = run_replication(tiny, 1)
    assert _comparable(a) == _comparable(b)
    assert _comparable(a) != _comparable(c)
    assert rec_a.meta["rep"] == 0


def test_replication_is_picklable_for_process_pools(tiny):
    pickle.dumps((run_replication, tiny))
    with ProcessPoolExecutor(max_workers=1) as pool:
        summary, records = pool.submit(run_replication, tiny, 0).result()
    assert _comparable(summary) == _comparable(run_replication(tiny, 0)[0])
    assert records.requests.num_rows > 0


def test_replicate_reports_each_rep(tiny):
    seen = []
    summaries = replicate(tiny, [0, 1], lambda r: seen.append(r.rep))
    assert seen == [0, 1] and len(summaries) == 2


def test_parallel_replications_equal_sequential_ones(tiny):
    seen = []
    with ProcessPoolExecutor(max_workers=2) as pool:
        parallel = replicate(tiny, [0, 1, 2], lambda r: seen.append(r.rep), pool)
    sequential = replicate(tiny, [0, 1, 2])
    assert sorted(seen) == [0, 1, 2]
    assert [_comparable(s) for s in parallel] == [_comparable(s) for s in sequential]
