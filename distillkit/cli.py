"""Smooth MLP teachers distilled into symbolic formulas: the bundled data sets (``data list|verify``),
one run (``run``), cached grids of runs (``sweep``) and your own table into a formula (``distill``).

Bad input ends with exit status 2 and one line on stderr, never a traceback. Every
argument is checked before torch (and the pipeline) is imported, so a typo answers at
once; data files are read and checked, column names turned into formula symbols, seeds,
λ grids, ``--out``, the cache and the backend checked, and the budget's memory and time
estimated (``distillkit.owndata.preflight``), all before any training. Warnings about
the data (rows dropped, a binary target, date columns, a diverged teacher) are one line
each, ``distillkit: warning: ...``.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import warnings
from pathlib import Path

from distillkit.experiments.settings import (PROFILE_NAMES, SR_READING_NAMES, SettingError, parse_overrides)

from distillkit.vocab import STUDENTS as STUDENT_NAMES  # noqa: E402
PENALTY_NAMES = ("jacobian", "lipschitz", "lipschitz_bound")

SHOWN = ("dataset", "lam", "seed", "noise", "student", "sr_reading", "penalty", "teacher_r2", "student_r2",
         "student_fidelity_r2", "xgb_r2", "tree_r2", "tree_leaves", "complexity", "sr_generations",
         "formula_sympy", "teacher_seconds", "student_seconds")
OUT_SUFFIXES = (".csv", ".json", ".parquet")


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text!r}")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return value


def _n_jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value == 0:
        raise argparse.ArgumentTypeError(f"expected a non-zero integer (-1: all cores), got {text!r}")
    return value


def _list_of(convert, what: str):
    def parse(text: str) -> list:
        items = [v.strip() for v in text.split(",") if v.strip()]
        try:
            if not items:
                raise argparse.ArgumentTypeError(text)
            return [convert(v) for v in items]
        except argparse.ArgumentTypeError:
            raise argparse.ArgumentTypeError(f"expected comma-separated {what}, got {text!r}") from None
    return parse


_floats = _list_of(_number, "finite numbers >= 0")
_ints = _list_of(_count, "non-negative integers")
_names = _list_of(str, "names")


class _Parser(argparse.ArgumentParser):
    """argparse prints a usage block on an error; we want one line (see main)."""

    def error(self, message):
        raise SettingError(f"{self.prog.split()[-1]}: {message}")


def _description() -> str:
    """The module docstring's first paragraph, whole (its first line alone is a cut sentence)."""
    return " ".join(__doc__.split("\n\n")[0].replace("``", "").split())


def _na_values(text: str) -> list:
    items = [v.strip() for v in text.split(",") if v.strip()]
    if not items:
        raise argparse.ArgumentTypeError(f"expected comma-separated values read as missing, got {text!r}")
    return items


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="distillkit", description=_description())
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    d = sub.add_parser("data", help="list or verify the bundled data sets")
    d.add_argument("action", choices=["list", "verify"])

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--profile", default="paper", choices=PROFILE_NAMES,
                        help="smoke | paper | full (default paper)")
    common.add_argument("--penalty", default=None, choices=PENALTY_NAMES,
                        help="smoothness penalty of the teacher (default jacobian)")
    common.add_argument("--set", action="append", metavar="KEY=VALUE",
                        help="override a budget, e.g. --set epochs=20 --set baselines=no")

    table = argparse.ArgumentParser(add_help=False)
    table.add_argument("--impute", default="drop", choices=("drop", "median", "none"),
                       help="rows with a missing feature: drop them (default), fill them (median, or a "
                            "category's most frequent level), or refuse (none)")
    table.add_argument("--na-values", type=_na_values, default=None, metavar="A,B",
                       help="extra cell values read as missing, e.g. '?,-999' (empty fields always are)")
    table.add_argument("--decimal", default=None, choices=(".", ","),
                       help="decimal mark of the numbers (',' reads 3,14)")

    r = sub.add_parser("run", parents=[common, table], help="one cell: teacher, distillation, scores")
    src = r.add_mutually_exclusive_group(required=True)
    src.add_argument("--dataset", help="a bundled data set name")
    src.add_argument("--csv", type=Path, help="your own CSV file (needs --target)")
    r.add_argument("--target", help="target column of --csv")
    r.add_argument("--sep", default=None, help="CSV separator (sniffed when omitted)")
    r.add_argument("--lam", type=_number, default=0.0)
    r.add_argument("--seed", type=_count, default=0)
    r.add_argument("--noise", type=_number, default=0.0, help="label noise level alpha")
    r.add_argument("--sr-reading", default="literal", choices=SR_READING_NAMES)
    r.add_argument("--student", default="gplearn", choices=STUDENT_NAMES,
                   help="symbolic regressor: gplearn (the paper's) or operon")
    r.add_argument("--direct", action="store_true",
                   help="fit the student on the training labels, no teacher (the control)")
    r.add_argument("--json", action="store_true", help="print the full record as JSON")

    s = sub.add_parser("sweep", parents=[common], help="a grid of runs, cached, in parallel")
    s.add_argument("--datasets", type=_names, default="california,concrete,abalone,wine_red,diabetes")
    s.add_argument("--lams", type=_floats, default=None, help="default: the profile's grid")
    s.add_argument("--seeds", type=_ints, default=None)
    s.add_argument("--noises", type=_floats, default=[0.0])
    s.add_argument("--sr-readings", type=_names, default="literal")
    s.add_argument("--students", type=_names, default="gplearn", help="gplearn,operon")
    s.add_argument("--direct", action="store_true", help="add the no-teacher control cells")
    s.add_argument("--n-jobs", type=_n_jobs, default=1)
    s.add_argument("--backend", default=None, help="joblib backend (loky, threading, dask, ...)")
    s.add_argument("--cache-dir", type=Path, default=None)
    s.add_argument("--out", type=Path, required=True, help="results file (.csv, .json or .parquet)")

    t = sub.add_parser("distill", parents=[common, table],
                       help="your own data: a formula, with λ and the formula chosen for you")
    t.add_argument("path", type=Path, help="CSV file with a header row")
    t.add_argument("--target", required=True, help="the column to predict")
    t.add_argument("--sep", default=None, help="CSV separator (sniffed when omitted)")
    t.add_argument("--student", default="operon", choices=("operon", "gplearn"))
    t.add_argument("--tolerance", type=_number, default=0.01,
                   help="within a fit, report the simplest formula within this R² of the best")
    t.add_argument("--lams", type=_floats, default=None, help="λ grid (default: the paper's)")
    t.add_argument("--refine", type=_number, default=1.0,
                   help="budget multiplier of the final refit (default 1: the refit repeats what was "
                        "cross-validated)")
    t.add_argument("--cv", type=_count, default=5, help="folds that choose route and λ (default 5)")
    t.add_argument("--functions", default="laws",
                   help="the student's functions: laws (add, sub, mul, div, exp, log, sqrt; default), "
                        "arithmetic, or names such as add,mul,exp")
    t.add_argument("--nonnegative", default="auto", choices=("auto", "yes", "no"),
                   help="formula = max(0, ·) (auto: when the target is never negative)")
    t.add_argument("--budget", type=_count, default=None,
                   help="Operon evaluations or gplearn generations per fit (default: the profile's)")
    t.add_argument("--seed", type=_count, default=0)
    t.add_argument("--out", type=Path, default=None, help="folder for report.html, formula.py, model.json")
    t.add_argument("--force", action="store_true", help="replace a report already in --out")
    t.add_argument("--json", action="store_true", help="print the result record as JSON")
    return p


def check_out_dir(path: Path, force: bool = False) -> None:
    """Fail now, not after the training, on an output folder that cannot be written, has no
    room, or already holds a report (unless ``force``)."""
    from distillkit.owndata import check_out_dir as check
    try:
        check(path, force=force)
    except ValueError as exc:
        raise SettingError(str(exc)) from None


def check_out(path: Path) -> None:
    """Fail now, not after the sweep, on an ``--out`` that cannot be written."""
    if path.suffix not in OUT_SUFFIXES:
        raise SettingError(f"--out must end in {', '.join(OUT_SUFFIXES)}, got {path.name!r}")
    if path.suffix == ".parquet":
        import importlib.util
        if not any(importlib.util.find_spec(m) for m in ("pyarrow", "fastparquet")):
            raise SettingError("--out *.parquet needs pyarrow (pip install pyarrow); or write .csv or .json")
    if path.is_dir():
        raise SettingError(f"--out {path} is a folder; give a file name")
    try:  # create the folder and touch the file (removed again if it did not exist)
        path.parent.mkdir(parents=True, exist_ok=True)
        existed = path.exists()
        with open(path, "a"):
            pass
        if not existed:
            path.unlink()
    except OSError as exc:
        raise SettingError(f"cannot write --out {path}: {exc.strerror or exc}") from None


def _check_args(args) -> None:
    """Checks that need no heavy import; they run before anything is loaded or trained."""
    from distillkit.experiments.settings import check_lams, check_seed
    from distillkit.owndata import check_backend
    if args.command == "run":
        if args.csv is not None and not args.target:
            raise SettingError("--csv needs --target COLUMN")
        if args.csv is None and args.target:
            raise SettingError("--target is used only with --csv")
        if args.csv is not None and not args.csv.expanduser().is_file():
            raise SettingError(f"CSV file not found: {args.csv}")
        check_seed(args.seed, "--seed")
        check_lams([args.lam], "--lam")
    elif args.command == "sweep":
        bad = [r for r in args.sr_readings if r not in SR_READING_NAMES]
        if bad:
            raise SettingError(f"--sr-readings: unknown {', '.join(bad)}; "
                               f"choose from {', '.join(SR_READING_NAMES)}")
        bad = [r for r in args.students if r not in STUDENT_NAMES]
        if bad:
            raise SettingError(f"--students: unknown {', '.join(bad)}; "
                               f"choose from {', '.join(STUDENT_NAMES)}")
        for seed in args.seeds or []:
            check_seed(seed, "--seeds")
        if args.lams is not None:
            check_lams(args.lams, "--lams")
        check_backend(args.backend)
        check_out(args.out)
        cache = args.cache_dir or os.environ.get("DISTILLKIT_CACHE")
        if cache:  # the default folder needs the sweep module (and torch): checked again there
            from distillkit.owndata import check_cache
            check_cache(cache, need_bytes=1 << 20)
    elif args.command == "distill":
        if not args.path.expanduser().is_file():
            raise SettingError(f"CSV file not found: {args.path}")
        check_seed(args.seed, "--seed")
        if args.lams is not None:
            check_lams(args.lams, "--lams")
        if args.refine < 1 or args.refine > 100:
            raise SettingError(f"--refine must be in [1, 100], got {args.refine:g}")
        if args.out is not None:
            check_out_dir(args.out, force=args.force)


def _table_options(args) -> dict:
    return {"sep": args.sep, "impute": None if args.impute == "none" else args.impute,
            "na_values": args.na_values, "decimal": args.decimal}


def _main(argv) -> int:
    args = _parser().parse_args(argv)
    if args.command == "data":
        from distillkit.datasets import list_datasets, verify_files
        if args.action == "list":
            print(list_datasets().to_string(index=False))
            return 0
        table = verify_files()
        print(table.to_string(index=False))
        return 0 if (table["status"] == "ok").all() else 1

    overrides = parse_overrides(args.set)
    if getattr(args, "penalty", None) is not None:
        overrides["penalty"] = args.penalty
    _check_args(args)
    from distillkit.datasets import load_dataset, prepare_table
    from distillkit.owndata import preflight
    if args.command == "run":
        return _run(args, overrides, load_dataset, prepare_table, preflight)
    if args.command == "distill":
        return _distill(args, overrides, prepare_table, preflight)

    datasets = [load_dataset(name) for name in args.datasets]
    from distillkit.experiments.profiles import PROFILES, config_for, resolve_config
    from distillkit.experiments.profiles import default_cache_dir
    resolve_config(args.profile, **overrides)
    lams = args.lams if args.lams is not None else list(PROFILES[args.profile]["lams"])
    seeds = args.seeds if args.seeds is not None else list(PROFILES[args.profile]["seeds"])
    cache = args.cache_dir if args.cache_dir is not None else default_cache_dir()
    per_group = len(lams) * len(args.sr_readings) * len(args.students) + (
        len(args.sr_readings) * len(args.students) if args.direct else 0)
    for ds in datasets:  # one ensemble and its cells: the unit a setting can make too big
        preflight(ds, config_for(ds.name, args.profile, **overrides), seed=max(seeds), lams=lams,
                  n_students=per_group, student=args.students[0], cache_dir=cache, backend=args.backend,
                  symbols=False)
    from distillkit.experiments.sweep import run_grid  # torch loads here, after every check
    frame = run_grid(args.datasets, lams=args.lams, seeds=args.seeds, noises=args.noises,
                     profile=args.profile, sr_readings=tuple(args.sr_readings),
                     cache_dir=args.cache_dir, n_jobs=args.n_jobs, backend=args.backend,
                     students=tuple(args.students), direct=args.direct, **overrides)
    from distillkit.owndata import write_file_whole
    write = {".csv": frame.to_csv, ".json": lambda p: frame.to_json(p, orient="records", indent=1),
             ".parquet": frame.to_parquet}[args.out.suffix]
    write_file_whole(args.out, write)
    print(f"{len(frame)} runs written to {args.out}")
    return 0


def _run(args, overrides: dict, load_dataset, prepare_table, preflight) -> int:
    from dataclasses import replace
    if args.csv is not None:  # read and check the data before torch is loaded
        table = prepare_table(args.csv, args.target, **_table_options(args)).dataset
    else:
        table = load_dataset(args.dataset)  # unknown name or unreadable file: fail before training
    checked = preflight(table, {}, seed=args.seed, lams=[args.lam], n_students=1,
                        student=args.student, symbols=args.csv is not None, budget=False)
    if args.csv is not None:  # the formula's variables are the checked symbols
        dataset = replace(table, X=table.X.rename(columns=checked.symbols))
    else:
        dataset = args.dataset
    from distillkit.experiments.profiles import config_for
    preflight(table, config_for(dataset, args.profile, **overrides), seed=args.seed,
              lams=[args.lam], n_students=1, student=args.student, symbols=False)
    from distillkit.experiments.pipeline import run  # torch loads here, after every check
    record = run(dataset, lam=args.lam, seed=args.seed, noise=args.noise, profile=args.profile,
                 sr_reading=args.sr_reading, student=args.student, direct=args.direct,
                 **overrides)
    _warn_scores(record)
    if args.json:
        print(json.dumps(record, indent=2))
    else:
        for key in SHOWN:
            if key in record:
                print(f"{key:>20}: {record[key]}")
    return 0


def _warn_scores(record: dict) -> None:
    from distillkit.owndata import far_below_constant
    for key, what in (("teacher_r2", "teacher"), ("student_r2", "student")):
        note = far_below_constant(record.get(key), what)
        if note:
            warnings.warn(note, UserWarning, stacklevel=2)


def _distill(args, overrides: dict, prepare_table, preflight) -> int:
    # the table, its names, the seed and the λ grid, before torch loads (--out: checked with the
    # arguments); distill() checks the budget against the resolved configuration itself
    prep = prepare_table(args.path, args.target, **_table_options(args))
    from distillkit.owndata import SymbolWarning
    with warnings.catch_warnings():  # names that cannot be symbols fail here; distill() says renames
        warnings.simplefilter("ignore", SymbolWarning)
        preflight(prep, {}, seed=args.seed, lams=args.lams or [0.0], student=args.student,
                  refine=args.refine, budget=False)
    from distillkit.owndata.distill import distill, write_report  # torch loads here
    options = _table_options(args)  # distill reads the table with the same options (and reports them)
    nonneg = {"auto": "auto", "yes": True, "no": False}[args.nonnegative]
    result = distill(args.path, args.target, student=args.student, lams=args.lams, refine=args.refine,
                     tolerance=args.tolerance, seed=args.seed, profile=args.profile, cv=args.cv,
                     functions=args.functions, nonnegative=nonneg, budget=args.budget,
                     progress=not args.json, sep=options["sep"], impute=options["impute"],
                     na_values=options["na_values"], decimal=options["decimal"], **overrides)
    if args.out is not None:
        write_report(result, args.out, force=args.force)  # all files, or none
    if args.json:
        print(result.to_json())
        return 0
    s = result.scores
    print(f"{args.target} = {_rounded(result)}")
    lam = getattr(result, "chosen_lam", None)
    print((f"λ = {lam:g}, " if isinstance(lam, (int, float)) else "") + f"complexity {result.complexity}; test R²: "
          + ", ".join(f"{k} {v:.4f}" for k, v in s.items() if isinstance(v, (int, float))))
    if args.out is not None:
        print(f"report: {args.out / 'report.html'} (also formula.py, model.json)")
    return 0


def _rounded(result) -> str:
    from distillkit.students import round_floats
    return str(round_floats(result.formula))


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text.strip("'\"") if isinstance(exc, KeyError) else text


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """distillkit's own warnings (and UserWarnings) as one line each on stderr."""
    if issubclass(category, UserWarning) or category.__module__.startswith("distillkit"):
        print(f"distillkit: warning: {_one_line(message)}", file=sys.stderr)
    else:
        _WARN(message, category, filename, lineno, file, line)


_WARN = warnings.showwarning


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            return _main(argv)
        except (ValueError, TypeError, KeyError, OSError) as exc:  # DataError is a ValueError
            print(f"distillkit: error: {_one_line(exc)}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:  # only the sweep caches its finished runs
            cached = " (finished runs are cached)" if argv[:1] == ["sweep"] else ""
            print(f"distillkit: interrupted{cached}", file=sys.stderr)
            return 130
        except Exception as exc:  # a bug rather than bad input: still one line, traceback on request
            if os.environ.get("DISTILLKIT_DEBUG"):
                raise
            print(f"distillkit: internal error: {type(exc).__name__}: {_one_line(exc)} "
                  "(set DISTILLKIT_DEBUG=1 for the traceback)", file=sys.stderr)
            return 1


if __name__ == "__main__":
    sys.exit(main())
