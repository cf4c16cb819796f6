"""Issue 20, item 2: can the students find laws? Direct noiseless fits on a dozen Feynman equations.

    nice -n 10 .venv/bin/python benchmarks/ground_truth_budget.py fit     # resumable, one process
    .venv/bin/python benchmarks/ground_truth_budget.py table              # score and print the table
    .venv/bin/python benchmarks/ground_truth_budget.py identity --out a.json [--old] [--limit N]

``fit`` fits each student, at each budget, directly on the noiseless training labels of each
equation (split seed 0, the ground-truth family's settings: data units, its function sets) and
appends one line per fit to ``benchmarks/out/ground_truth_budget.jsonl``: the fit's seconds and,
for every reporting rule, the formula it reports (full precision) with its noiseless test R².
One fit serves all rules: a rule only picks a member of the fit's final population (Operon's
Pareto front, as :class:`distillkit.students.OperonStudent` with ``tolerance`` does; gplearn's
last generation). ``table`` scores every formula with the deterministic check
(:func:`distillkit.symbolic.groundtruth.score_formula`) and prints budget x rule -> symbolic and
accuracy (R² > 0.999) solution rates -> seconds per fit, to stdout and ``..._table.csv``
(the run of issue 20 is kept as ``benchmarks/ground_truth_budget_table.csv``: 2-core machine
under load, ``nice -n 10``, one process: 84 fits, 14 min of CPU, about 75 min wall).
``identity`` scores every distinct (equation, formula) of the fits once and writes each outcome
and its seconds to ``--out`` (run it idle and with both cores busy: the outcomes must match);
``--old`` uses the check as it was before issue 20 (sympy in a worker process, 10-second
bound), loaded from git, for the comparison.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "out" / "ground_truth_budget.jsonl"

#: the ten equations of issue 20's measurement, plus q/C (the CLI's check) and h·ω/2π
EQUATIONS = ("I_6_2a", "III_12_43", "II_11_28", "III_15_12", "I_9_18", "I_10_7", "I_12_2",
             "I_13_4", "I_18_4", "II_27_16", "I_25_13", "I_34_27")
#: (student, budget label, config overrides); budgets in fitness evaluations
BUDGETS = (  # in the order they run (resumable): the cheap ones first
    ("operon", "40k", {"operon_evaluations": 40_000}),
    ("operon", "150k", {"operon_evaluations": 150_000}),
    ("gplearn", "500x30", {"population_size": 500, "generations": 30}),
    ("operon", "400k", {"operon_evaluations": 400_000}),
    ("gplearn", "1000x60", {"population_size": 1000, "generations": 60}),
)
#: reporting rules: the most accurate member, or the simplest within a tolerance of its R²
RULES = {"most accurate": 0.0, "simplest within 0.001": 0.001, "simplest within 0.01": 0.01}


def _pick(front: pd.DataFrame, tol: float):
    return front[front.r2 >= front.r2.max() - tol].iloc[0]


def _candidates(student: str, model, names) -> dict:
    """rule -> (formula in data units as sympy, complexity)."""
    from distillkit.students import operon_to_sympy, pareto_front, program_to_sympy
    inner = model.student
    if student == "operon":
        front = inner.pareto_table_
        out = {"most accurate": (inner.formula_, inner.complexity_)}  # Operon's own model
        for rule, tol in RULES.items():
            if tol > 0:
                p = _pick(front, tol)
                out[rule] = (operon_to_sympy(str(p.program), inner.symbols_), int(p.complexity))
        return out
    progs = [p for p in inner.regressor_._programs[-1] if p is not None]
    front = pareto_front(pd.DataFrame({"program": [str(p) for p in progs],
                                       "r2": [float(p.raw_fitness_) for p in progs],
                                       "complexity": [int(p.length_) for p in progs]}))
    parse = lambda prog: program_to_sympy(prog, names, simplify=False, digits=None)  # noqa: E731
    out = {"own (parsimony 0.001)": (parse(inner.program_), inner.complexity_)}
    for rule, tol in RULES.items():
        p = _pick(front, tol)
        out[rule] = (parse(str(p.program)), int(p.complexity))
    return out


def _test_r2(expr, names, X, y) -> float:
    import sympy
    from distillkit.stats.metrics import r2
    f = sympy.lambdify([sympy.Symbol(n) for n in names], expr, "numpy")
    with np.errstate(all="ignore"):
        pred = np.broadcast_to(np.asarray(f(*X.T), dtype=np.float64), y.shape)
    return float(r2(y, pred)) if np.isfinite(pred).all() else float("-inf")


def fit_one(eq: str, student: str, overrides: dict) -> dict:
    from distillkit.experiments.pipeline import (DataUnitsStudent, build_student, config_for,
                                                 make_split)
    name = "feynman_" + eq
    if student == "operon":  # fit with Operon's own choice; the rules pick from its front
        overrides = {**overrides, "operon_tolerance": 0.0}
    config = config_for(name, "paper", **overrides)
    split = make_split(name, 0, 0.0, config)
    model = DataUnitsStudent(build_student(student, "converged", 42, config, split.feature_names), split)
    t0 = time.process_time()
    model.fit(split.X_train, split.y_train)
    cpu = time.process_time() - t0
    X = np.asarray(split.X_test, dtype=np.float64) * split.x_scale + split.x_mean
    y = split.y_mean + split.y_scale * np.asarray(split.y_test, dtype=np.float64)
    names = list(split.feature_names)
    rules = {rule: {"formula": str(expr), "complexity": c, "test_r2": _test_r2(expr, names, X, y)}
             for rule, (expr, c) in _candidates(student, model, names).items()}
    return {"fit_seconds": float(model.fit_seconds_), "cpu_seconds": cpu, "rules": rules}


def fit(args) -> None:
    from tqdm import tqdm
    OUT.parent.mkdir(parents=True, exist_ok=True)
    done = set()
    if OUT.exists():
        done = {(r["equation"], r["student"], r["budget"]) for r in map(json.loads, OUT.open())}
    todo = [(eq, s, b, o) for s, b, o in BUDGETS for eq in EQUATIONS if (eq, s, b) not in done
            and (not args.only or s == args.only)]
    for eq, s, b, o in tqdm(todo, desc="direct noiseless fits"):
        rec = {"equation": eq, "student": s, "budget": b, **fit_one(eq, s, o)}
        with OUT.open("a") as fh:
            fh.write(json.dumps(rec) + "\n")


def table(args) -> pd.DataFrame:
    from distillkit.symbolic.groundtruth import score_formula
    rows = []
    for rec in map(json.loads, OUT.open()):
        for rule, r in rec["rules"].items():
            scored = score_formula(r["formula"], rec["equation"], test_r2=r["test_r2"])
            rows.append({"student": rec["student"], "budget": rec["budget"], "rule": rule,
                         "equation": rec["equation"], "solution": scored["solution"],
                         "undecided_reason": scored["undecided_reason"],
                         "accuracy": scored["accuracy_solution"], "test_r2": r["test_r2"],
                         "complexity": r["complexity"], "seconds": rec["fit_seconds"], "cpu": rec["cpu_seconds"],
                         "check_seconds": scored["score_seconds"], "formula": r["formula"]})
    cells = pd.DataFrame(rows)
    cells.to_csv(OUT.with_name("ground_truth_budget_cells.csv"), index=False)
    g = cells.groupby(["student", "budget", "rule"], sort=False)
    out = g.agg(equations=("equation", "size"), symbolic=("solution", lambda s: int((s == True).sum())),  # noqa: E712
                undecided=("solution", lambda s: int(s.isna().sum())),
                accuracy=("accuracy", "sum"), median_test_r2=("test_r2", "median"),
                sec_median=("seconds", "median"), sec_max=("seconds", "max"),
                cpu_median=("cpu", "median")).reset_index()
    out.to_csv(OUT.with_name("ground_truth_budget_table.csv"), index=False)
    with pd.option_context("display.width", 200, "display.max_rows", 100):
        print(out.to_string(index=False, float_format="{:.4g}".format))
    return out


OLD_CHECK = "b0d5c8b"  # the last commit with the 10-second sympy check


def _old_check():
    import importlib.util
    import subprocess
    import tempfile
    text = subprocess.run(["git", "show", f"{OLD_CHECK}:distillkit/symbolic/groundtruth.py"], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout
    folder = Path(tempfile.mkdtemp())
    (folder / "old_groundtruth.py").write_text(text.replace(
        "from distillkit.symbolic.groundtruth import _serve", "from old_groundtruth import _serve")
        .replace("root = str(Path(__file__).resolve().parents[2])", f"root = {str(folder)!r} + os.pathsep + {str(ROOT)!r}"))
    spec = importlib.util.spec_from_file_location("old_groundtruth", folder / "old_groundtruth.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.score_formula


def identity(args) -> None:
    from distillkit.symbolic.groundtruth import score_formula
    score = _old_check() if args.old else score_formula
    pairs = dict.fromkeys((r["equation"], v["formula"]) for r in map(json.loads, open(args.fits or OUT))
                          for v in r["rules"].values())
    pairs = sorted(pairs)[: args.limit] if args.limit else sorted(pairs)
    rows, t0 = [], time.perf_counter()
    for eq, formula in pairs:
        out = score(formula, eq)
        rows.append({"equation": eq, "formula": formula, "solution": out["solution"],
                     "kind": out["solution_kind"], "reason": out.get("undecided_reason"),
                     "seconds": out["score_seconds"]})
    total = time.perf_counter() - t0
    Path(args.out).write_text(json.dumps({"load": os.getloadavg(), "seconds": total, "rows": rows}))
    kinds = pd.Series([r["kind"] for r in rows]).value_counts().to_dict()
    print(f"{len(rows)} formulas in {total:.1f} s; {kinds}")


def main() -> None:
    os.environ.setdefault("DISTILLKIT_DATA", str(ROOT.parent / "shared" / "datasets"))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("step", choices=("fit", "table", "identity"))
    p.add_argument("--only", choices=("operon", "gplearn"), help="fit one student only")
    p.add_argument("--out", help="identity: where to write the outcomes (JSON)")
    p.add_argument("--old", action="store_true", help="identity: the check before issue 20")
    p.add_argument("--fits", help="identity: a copy of the fits file (default: the growing one)")
    p.add_argument("--limit", type=int, default=0, help="identity: the first N formulas only")
    args = p.parse_args()
    {"fit": fit, "table": table, "identity": identity}[args.step](args)


if __name__ == "__main__":
    main()
