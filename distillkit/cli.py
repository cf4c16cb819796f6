"""Command line: ``distillkit data list|verify``, ``distillkit run``, ``distillkit sweep``.

Bad input ends with exit status 2 and one line on stderr, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

SHOWN = ("dataset", "lam", "seed", "noise", "sr_reading", "teacher_r2", "student_r2",
         "student_fidelity_r2", "xgb_r2", "tree_r2", "tree_leaves", "complexity", "sr_generations",
         "formula_sympy", "teacher_seconds", "student_seconds")


def _floats(text: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None


def _ints(text: str) -> list[int]:
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None


def _overrides(pairs: list[str]) -> dict:
    out = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise ValueError(f"--set expects KEY=VALUE, got {pair!r}")
        key, value = pair.split("=", 1)
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="distillkit", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("data", help="list or verify the bundled data sets")
    d.add_argument("action", choices=["list", "verify"])

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--profile", default="paper", help="smoke | paper | full (default paper)")
    common.add_argument("--set", action="append", metavar="KEY=VALUE",
                        help="override a budget, e.g. --set epochs=20 --set generations=10")

    r = sub.add_parser("run", parents=[common], help="one cell: teacher, distillation, scores")
    src = r.add_mutually_exclusive_group(required=True)
    src.add_argument("--dataset", help="a bundled data set name")
    src.add_argument("--csv", type=Path, help="your own CSV file (needs --target)")
    r.add_argument("--target", help="target column of --csv")
    r.add_argument("--sep", default=None, help="CSV separator (sniffed when omitted)")
    r.add_argument("--lam", type=float, default=0.0)
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--noise", type=float, default=0.0, help="label noise level alpha")
    r.add_argument("--sr-reading", default="literal", choices=["literal", "converged"])
    r.add_argument("--json", action="store_true", help="print the full record as JSON")

    s = sub.add_parser("sweep", parents=[common], help="a grid of runs, cached, in parallel")
    s.add_argument("--datasets", default="california,concrete,abalone,wine_red,diabetes")
    s.add_argument("--lams", type=_floats, default=None, help="default: the profile's grid")
    s.add_argument("--seeds", type=_ints, default=None)
    s.add_argument("--noises", type=_floats, default=[0.0])
    s.add_argument("--sr-readings", default="literal")
    s.add_argument("--n-jobs", type=int, default=1)
    s.add_argument("--backend", default=None, help="joblib backend (loky, threading, dask, ...)")
    s.add_argument("--cache-dir", type=Path, default=None)
    s.add_argument("--out", type=Path, required=True, help="results file (.csv, .json or .parquet)")
    return p


def _main(argv) -> int:
    args = _parser().parse_args(argv)
    if args.command == "data":
        from .data import list_datasets, verify_files
        if args.action == "list":
            print(list_datasets().to_string(index=False))
            return 0
        table = verify_files()
        print(table.to_string(index=False))
        return 0 if (table["status"] == "ok").all() else 1

    overrides = _overrides(args.set)
    if args.command == "run":
        from .pipeline import run
        if args.csv is not None:
            if not args.target:
                raise ValueError("--csv needs --target COLUMN")
            from .data import from_csv
            dataset = from_csv(args.csv, target=args.target, sep=args.sep)
        else:
            dataset = args.dataset
        record = run(dataset, lam=args.lam, seed=args.seed, noise=args.noise, profile=args.profile,
                     sr_reading=args.sr_reading, **overrides)
        if args.json:
            print(json.dumps(record, indent=2))
        else:
            for key in SHOWN:
                if key in record:
                    print(f"{key:>20}: {record[key]}")
        return 0

    from .sweep import run_grid
    if args.out.suffix not in (".csv", ".json", ".parquet"):
        raise ValueError(f"--out must end in .csv, .json or .parquet, got {args.out.name!r}")
    frame = run_grid([d.strip() for d in args.datasets.split(",") if d.strip()], lams=args.lams,
                     seeds=args.seeds, noises=args.noises, profile=args.profile,
                     sr_readings=tuple(r.strip() for r in args.sr_readings.split(",")),
                     cache_dir=args.cache_dir, n_jobs=args.n_jobs, backend=args.backend, **overrides)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    {".csv": frame.to_csv, ".json": lambda p: frame.to_json(p, orient="records", indent=1),
     ".parquet": frame.to_parquet}[args.out.suffix](args.out)
    print(f"{len(frame)} runs written to {args.out}")
    return 0


def main(argv=None) -> int:
    from .data import DataError
    try:
        return _main(argv)
    except (DataError, ValueError, TypeError, FileNotFoundError, KeyError) as exc:
        print(f"distillkit: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("distillkit: interrupted (finished runs are cached)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
