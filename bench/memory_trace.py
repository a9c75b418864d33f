"""A gunicorn configuration that traces each worker's Python memory (tracemalloc): for
bench/memory.py with BENCH_TRACE=1, or `gunicorn -c bench/memory_trace.py …`.

Each worker starts tracing when it is forked and, after TRACE_AT[0] of its own requests, keeps
a snapshot; after each later count of TRACE_AT it writes to TRACE_DIR
(trace-<pid>-<requests>.txt) how much the traced memory grew since, and the 25 lines of code
whose allocations grew or shrank most. Tracing slows the worker and adds to its RSS: the RSS
figures of a traced run are not the benchmark's.
"""

import linecache
import os
import tracemalloc

TRACE_AT = (400, 900, 1400, 2400)
TRACE_DIR = os.environ.get("BENCH_TRACE_DIR", "/tmp")
_state: dict = {"requests": 0, "first": None}


def post_fork(server, worker):
    tracemalloc.start(1)


def post_request(worker, req, environ, resp):
    _state["requests"] += 1
    requests = _state["requests"]
    if requests not in TRACE_AT:
        return
    snapshot = tracemalloc.take_snapshot().filter_traces(
        [
            tracemalloc.Filter(False, tracemalloc.__file__),
            tracemalloc.Filter(False, linecache.__file__),
        ]
    )
    if _state["first"] is None:
        _state["first"] = snapshot
        return
    stats = snapshot.compare_to(_state["first"], "lineno")
    grown = sum(stat.size_diff for stat in stats) / 1e6
    traced = sum(stat.size for stat in stats) / 1e6
    path = os.path.join(TRACE_DIR, f"trace-{os.getpid()}-{requests}.txt")
    with open(path, "w") as out:
        out.write(
            f"worker {os.getpid()}, after {requests} requests: {traced:.2f} MB traced, "
            f"{grown:+.2f} MB since request {TRACE_AT[0]}\n"
        )
        for stat in stats[:25]:
            out.write(f"{stat.size_diff / 1e3:+.1f} kB, {stat.count_diff:+} blocks: ")
            out.write(stat.traceback.format()[-1].strip() + "\n")
