"""Benchmarks of the Jacobian and Lipschitz penalties (``make bench``): prints tables, writes JSON.

    python benchmarks/run.py                 # full run (a few minutes on 2 cores)
    python benchmarks/run.py --quick         # smaller grid, for a smoke check
    python benchmarks/run.py --out other.json

Output: ``benchmarks/out/bench.json`` with the machine (CPU model, cores, torch
version and threads, load average), per-step timings of every penalty method over
input dimension and width, the paper-setting ratios, ensemble wall times for G = 1, 6,
30 at one thread and at torch's default thread count, and full training times per λ on
Concrete (skipped, with a note, when the data files are not available).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

if not os.environ.get("DISTILLKIT_DATA") and (ROOT.parent / "shared" / "datasets").is_dir():
    os.environ["DISTILLKIT_DATA"] = str(ROOT.parent / "shared" / "datasets")  # as tests/conftest.py

from distillkit.experiments import timing
from distillkit.experiments import bench
from distillkit.book.chapters import cost_of_smoothness as cost
from distillkit.experiments.paper import LAMS, TRAINING_OVERHEAD


def _show(title: str, df: pd.DataFrame, cols) -> None:
    print(f"\n== {title}")
    with pd.option_context("display.width", 200, "display.max_columns", 30, "display.max_rows", 200,
                           "display.float_format", "{:.3g}".format):
        print(df[[c for c in cols if c in df.columns]].to_string(index=False))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small grid and budgets (about a minute)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "out" / "bench.json"))
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args(argv)
    q = args.quick
    t_start = time.perf_counter()
    record = {"machine": bench.machine_info(), "paper_overhead": TRAINING_OVERHEAD,
              "quick": q, "device": args.device}
    print("machine:", json.dumps(record["machine"]))

    # 1. the paper's setting (California-sized data, d = 8, 100 hidden, batch 128), many steps
    paper = bench.step_table(dims=(8,), hiddens=(100,), steps=300 if q else 2000, threads=1,
                             max_seconds=2.0 if q else 8.0, device=args.device)
    _show("step time at the paper's setting (1 thread); ratio = / fast plain step, "
          "ratio_engine = / plain step of the same engine", paper,
          ["method", "engine", "median_us", "p10_us", "p90_us", "steps", "ratio", "ratio_engine",
           "ratio_best_plain"])
    record["paper_setting"] = paper.to_dict("records")
    ratios = paper.set_index("method")
    record["headline"] = {
        "exact_over_plain": float(ratios.loc["exact", "ratio"]),
        "lipschitz_over_plain": float(ratios.loc["lipschitz", "ratio"]),
        "lipschitz_bound_over_plain": float(ratios.loc["lipschitz_bound", "ratio"]),
        "exact_over_best_plain": float(ratios.loc["exact", "ratio_best_plain"]),
        "exact_autograd_over_plain_autograd": float(ratios.loc["exact_autograd", "ratio_engine"]),
        "double_backprop_over_plain_autograd": float(ratios.loc["autograd", "ratio_engine"]),
        "jacfwd_over_plain_autograd": float(ratios.loc["jacfwd", "ratio_engine"]),
        "plain_autograd_over_exact": float(ratios.loc["plain_autograd", "median_us"]
                                           / ratios.loc["exact", "median_us"]),
    }

    # 2. overhead against input dimension and width
    grid = bench.step_table(dims=(8, 128) if q else (8, 32, 128, 512), hiddens=(100,) if q else (100, 400),
                            steps=50 if q else 200, threads=1, max_seconds=0.5 if q else 1.5,
                            device=args.device)
    _show("step time over input dimension d and width (1 thread)", grid,
          ["method", "d", "hidden", "median_us", "steps", "ratio", "ratio_engine", "ratio_best_plain"])
    record["step_grid"] = grid.to_dict("records")

    # 3. ensembles: the paper's 6 λ x 5 seeds as one model
    ens = bench.time_ensemble(G_values=(1, 6, 30), epochs=2 if q else 20, repeats=2 if q else 5,
                              threads=(1, None), device=args.device)
    _show("ensemble wall time (x_one: / one teacher, same threads; speedup: G x one / ensemble)", ens,
          ["G", "threads", "engine", "seconds", "us_per_step", "x_one", "x_one_1thread", "speedup"])
    _show("ensemble against the machine's matrix-product rate (floor_x_one: the lowest x_one "
          "that rate allows)", ens[ens.engine != "autograd"],
          ["G", "threads", "us_per_step", "flops_member_step", "peak_gflops", "achieved_gflops",
           "efficiency", "x_one", "floor_x_one"])
    record["ensemble"] = ens.to_dict("records")
    G_max = int(ens.G.max())
    for th in sorted(set(ens.threads)):
        for key, col in (("x_one", "x_one"), ("floor_x_one", "floor_x_one"),
                         ("over_one_autograd", "x_one_autograd")):
            record["headline"][f"ensemble_{G_max}_{key}_{th}threads"] = bench.ensemble_value(ens, G_max, th, col)

    # 4. full training on Concrete per λ (paper Figure 2)
    try:
        times = timing.training_times("concrete", lams=LAMS, epochs=10 if q else 100,
                                    penalties=("exact", "lipschitz") if q else
                                    ("exact", "lipschitz", "lipschitz_bound", "exact_autograd", "autograd",
                                     "projection", "jacrev", "jacfwd"),
                                    repeats=1 if q else 3, threads=1, device=args.device)
        train = cost.training_summary(times)
        _show("full training on Concrete, 1 thread (ratio_to_lam0: / λ = 0 on the same engine)", train,
              ["penalty", "engine", "lam", "seconds", "steps", "ratio_to_lam0"])
        record["training"] = train.to_dict("records")
    except Exception as exc:  # noqa: BLE001 - e.g. the data files are not available
        print(f"\n== full training on Concrete skipped: {type(exc).__name__}: {str(exc)[:300]}")
        record["training"] = None
        record["training_skipped"] = f"{type(exc).__name__}: {exc}"

    # 5. what a student fit costs: Operon's budget against a converged gplearn fit
    try:
        students = bench.student_cost(datasets=("concrete", "diabetes") if q else
                                      ("california", "concrete", "abalone", "wine_red", "diabetes"),
                                      profile="smoke" if q else "paper")
        _show("one student fit per data set, 1 core (operon_over_gplearn should be <= 1)", students,
              ["dataset", "n_train", "gplearn_seconds", "operon_seconds", "operon_over_gplearn",
               "gplearn_r2", "operon_r2", "gplearn_complexity", "operon_complexity"])
        record["student_cost"] = students.to_dict("records")
        record["headline"]["operon_over_gplearn_max"] = float(students.operon_over_gplearn.max())
    except Exception as exc:  # noqa: BLE001 - e.g. the data files are not available
        print(f"\n== student cost skipped: {type(exc).__name__}: {str(exc)[:300]}")
        record["student_cost"] = None

    record["machine_after"] = bench.machine_info()
    record["seconds"] = time.perf_counter() - t_start
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=1, default=str))
    h = record["headline"]
    print(f"\nheadline: exact/plain = {h['exact_over_plain']:.2f}, lipschitz/plain = "
          f"{h['lipschitz_over_plain']:.2f}, lipschitz_bound/plain = {h['lipschitz_bound_over_plain']:.2f} "
          f"(fast engine; target for the Lipschitz penalty: <= {cost.LIPSCHITZ_TARGET:g}); "
          f"double backprop / plain = {h['double_backprop_over_plain_autograd']:.2f}, "
          f"jacfwd / plain = {h['jacfwd_over_plain_autograd']:.2f} (autograd engine); "
          f"paper: ~{TRAINING_OVERHEAD:.0f}x")
    for th in sorted(set(ens.threads)):
        print(f"ensemble of {G_max} on {th} thread(s): {h[f'ensemble_{G_max}_x_one_{th}threads']:.1f}x one "
              f"teacher on the fast engine (lowest the matrix-product rate allows: "
              f"{h[f'ensemble_{G_max}_floor_x_one_{th}threads']:.1f}x), "
              f"{h[f'ensemble_{G_max}_over_one_autograd_{th}threads']:.2f}x one standard autograd teacher")
    print(f"wrote {out} in {record['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
