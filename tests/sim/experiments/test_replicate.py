import pickle
from concurrent.futures import ProcessPoolExecutor

from sim.experiments import replicate, run_replication


def test_same_rep_same_summary_other_rep_differs(tiny):
    a, rec_a = run_replication(tiny, 0)
    b, _ = run_replication(tiny, 0)
    c, _ = run_replication(tiny, 1)
    assert a == b
    assert a != c
    assert rec_a.meta["rep"] == 0


def test_replication_is_picklable_for_process_pools(tiny):
    pickle.dumps((run_replication, tiny))
    with ProcessPoolExecutor(max_workers=1) as pool:
        summary, records = pool.submit(run_replication, tiny, 0).result()
    assert summary == run_replication(tiny, 0)[0]
    assert records.requests.num_rows > 0


def test_replicate_reports_each_rep(tiny):
    seen = []
    summaries = replicate(tiny, [0, 1], lambda r: seen.append(r.rep))
    assert seen == [0, 1] and len(summaries) == 2
