"""Does the symbolic-solution check decide the same on an idle and on a busy machine? (issue 20)

Re-scores every formula of the evidence ledger's ``ground_truth`` grid with
:func:`distillkit.symbolic.groundtruth.score_formula` (the formula as the run recorded it,
``formula_sympy``, against the equation's law) and compares the outcome (``solution``,
``solution_kind``) with the one the ledger holds, which the evidence run decided on its own
machine under its own load::

    python benchmarks/ground_truth_determinism.py             # the machine as it is
    python benchmarks/ground_truth_determinism.py --busy 2    # plus two busy-loop processes

Prints one JSON line: formulas, how many outcomes differ from the ledger, undecided count and
reasons, wall seconds, the load average before and after, and the busy processes added.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _spin(stop):  # a busy loop: one core's worth of load until told to stop
    while not stop.is_set():
        sum(i * i for i in range(10_000))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--busy", type=int, default=0, help="busy-loop processes to add during the check")
    ap.add_argument("--limit", type=int, default=None, help="score only the first N formulas")
    args = ap.parse_args(argv)

    import sympy

    from distillkit.datasets.feynman import equation
    from distillkit.experiments.evidence import ledger_cells
    from distillkit.symbolic.groundtruth import score_formula

    def parse(text: str, dataset: str):  # the law's inputs as plain symbols (``beta`` is not the function)
        names = {str(v): sympy.Symbol(str(v)) for v in equation(dataset).expr.free_symbols}
        return sympy.sympify(text, locals=names)

    cells = ledger_cells(grids=["ground_truth"])[: args.limit]
    if not cells:
        print("error: the ledger holds no ground_truth cells", file=sys.stderr)
        return 2
    stop = mp.Event()
    spinners = [mp.Process(target=_spin, args=(stop,), daemon=True) for _ in range(args.busy)]
    for p in spinners:
        p.start()
    load0, t0 = os.getloadavg()[0], time.perf_counter()
    differ, undecided = [], Counter()
    try:
        for c in cells:
            r = c["record"]
            got = score_formula(parse(r["formula_sympy"], r["dataset"]), r["dataset"], test_r2=r["student_r2"])
            if (got["solution"], got["solution_kind"]) != (r["solution"], r["solution_kind"]):
                differ.append({"dataset": r["dataset"], "key": c["key"], "ledger": [r["solution"], r["solution_kind"]],
                               "now": [got["solution"], got["solution_kind"]]})
            if got["solution"] is None:
                undecided[got["undecided_reason"]] += 1
    finally:
        stop.set()
        for p in spinners:
            p.join()
    print(json.dumps({"formulas": len(cells), "differ": len(differ), "undecided": sum(undecided.values()),
                      "undecided_reasons": dict(undecided), "wall_seconds": round(time.perf_counter() - t0, 1),
                      "load_before": load0, "load_after": os.getloadavg()[0], "busy_added": args.busy,
                      "cores": os.cpu_count(), "examples": differ[:5]}))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
