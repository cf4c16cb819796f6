"""The command line of :mod:`distillkit.experiments.evidence` (``make evidence``,
``make verify-evidence``, the seeding step of ``make book``)."""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from distillkit.experiments.evidence import (DEFAULT_GRIDS, EVIDENCE_DIR, collect, grid, run, seed_cache, status,
                                             verify)


# --------------------------------------------------------------------------------------
def _seeds(text: str | None):
    if not text:
        return None
    out = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo), int(hi) + 1) if hi else [int(lo)])
    return out


def run_cli(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m distillkit.experiments.evidence",
                                 description="The evidence ledger: run, seed, verify the powered grids.")
    ap.add_argument("command", choices=("run", "seed", "verify", "verify-teachers", "status", "collect"))
    ap.add_argument("--grid", action="append", help=f"grid name (repeatable; default {', '.join(DEFAULT_GRIDS)}; seed and verify: every grid in the ledger)")
    ap.add_argument("--seeds", help="trials to run, e.g. 0-4 or 0,3 (run/collect; default the grid's)")
    ap.add_argument("--cache-dir", help="run cache (default $DISTILLKIT_CACHE or the user cache)")
    ap.add_argument("--ledger", default=str(EVIDENCE_DIR), help="ledger folder (default evidence/)")
    ap.add_argument("--n", type=int, default=5, help="verify: cells to recompute")
    ap.add_argument("--max-seconds", type=float, help="verify: only cells that cost at most this")
    ap.add_argument("--rng", type=int, help="verify: seed of the random draw (default: random, printed)")
    ap.add_argument("--n-jobs", type=int, default=1, help="run: local workers")
    args = ap.parse_args(argv)
    names = args.grid or list(DEFAULT_GRIDS)
    ledger = Path(args.ledger)
    try:
        for name in names:
            grid(name)
        if args.command == "run":
            for name in names:
                print(json.dumps(run(name, _seeds(args.seeds), args.cache_dir, ledger, args.n_jobs)))
        elif args.command == "collect":
            for name in names:
                print(f"{name}: {collect(grid(name), args.cache_dir, ledger, seeds=_seeds(args.seeds))} shard(s) written")
        elif args.command == "status":
            for name in names:
                print(json.dumps(status(grid(name), ledger)))
        elif args.command == "seed":
            res = seed_cache(args.cache_dir, ledger, args.grid)  # no --grid: every grid in the ledger
            print(f"evidence: {res['copied']} ledger record(s) copied into the run cache, {res['present']} already there")
        elif args.command == "verify-teachers":  # every cell's teacher, bitwise; no student refit
            from distillkit.experiments._evidence_teachers import report, verify_teachers
            t0 = time.perf_counter()
            res = verify_teachers(ledger, args.grid)
            text, rc = report(res, time.perf_counter() - t0)
            print(text, file=sys.stderr if rc else sys.stdout)
            return rc
        else:
            rng = args.rng if args.rng is not None else random.SystemRandom().randrange(2**31)
            print(f"verify: {args.n} cell(s), --rng {rng}", flush=True)
            res = verify(args.n, ledger, args.grid, args.max_seconds, rng)  # no --grid: every grid in the ledger
            bad = [r for r in res if r["diffs"]]
            for r in res:
                c = r["cell"]
                lam = "direct" if c["lam"] is None else f"λ {c['lam']:g}"
                print(f"{'FAIL' if r['diffs'] else 'ok  '} {c['dataset']} seed {c['seed']} {lam} "
                      f"{c['student']} {c['overrides'].get('penalty', '')} ({r['seconds']:.1f} s)"
                      + "".join(f"\n     {d}" for d in r["diffs"]))
            if bad:
                print(f"verify: {len(bad)} of {len(res)} cell(s) differ from the ledger", file=sys.stderr)
                return 1
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0



__all__ = ["run_cli"]
