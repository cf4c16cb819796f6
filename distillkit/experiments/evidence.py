"""The evidence ledger: powered grids a 2-core book build cannot afford, run once and kept.

A *grid* (:class:`Grid`, registered by name in :data:`GRIDS`) is data: a profile, trials
(seeds) and parts, each part a :func:`distillkit.experiments.sweep.run_grid` call (data sets,
noise, λ grid, students, readings, budget overrides such as the penalty). Three commands::

    python -m distillkit.experiments.evidence run    [--grid NAME] [--seeds 0-4]   # make evidence
    python -m distillkit.experiments.evidence seed   [--grid NAME]                 # before make book
    python -m distillkit.experiments.evidence verify [--n K] [--max-seconds S]     # make verify-evidence

* ``run`` computes the grid through the cached sweep machinery (``run_grid``: every finished
  cell lands in the run cache at once, so an interrupted run resumes; joblib's "dask" backend
  when ``$DISTILLKIT_DASK_SCHEDULER`` names a scheduler; a progress bar), trial by trial so
  that complete trials accumulate, and after every chunk writes each *complete* (trial, data
  set) group of the grid to the ledger: ``evidence/<grid>/s<seed>_<data set>.json.gz``, a
  deterministic gzip of ``{"grid", "seed", "dataset", "meta", "cells"}`` where each cell is
  ``{"key", "cell", "record"}`` (the run cache's key, the cell's coordinates, the record as the
  cache holds it) and ``meta`` the writing run's commit, package versions, machine, date and
  wall time. Each run also appends one line (start, end, wall seconds, cells computed) to
  ``evidence/<grid>/runs.jsonl``.
* ``seed`` copies ledger records into the run cache (``$DISTILLKIT_CACHE`` or ``--cache-dir``)
  where that key is missing, so a book build reads them instead of recomputing.
* ``verify`` recomputes ``n`` random ledger cells from scratch (no cache: the teacher retrained
  in the same ensemble as the grid trained it, then the student) and fails if a cell's key, formula or any R² (``*_r2``) differs by more
  than :data:`R2_TOLERANCE`. ``--max-seconds`` draws only among cells whose recorded cost is
  below it (CI verifies cheap cells).

A record's key hashes everything the result depends on (``sweep.cell_key``), never a module
path, so a ledger survives refactors; a change of a formula or of a budget changes either the
key or the recomputed numbers, and ``verify`` says which.
"""
from __future__ import annotations

import gzip
import json
import os
import platform
import random
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from distillkit.experiments.pipeline import check_student, config_for
from distillkit.experiments.sweep import cell_key, default_cache_dir, run_grid

#: where the ledger lives (a committed folder at the repository root)
EVIDENCE_DIR = Path(__file__).resolve().parents[2] / "evidence"
#: the environment variable naming a dask.distributed scheduler
SCHEDULER_ENV = "DISTILLKIT_DASK_SCHEDULER"
#: largest |Δ R²| ``verify`` accepts between a ledger record and its recomputation
R2_TOLERANCE = 1e-9
#: record fields ``verify`` compares exactly (besides every ``*_r2``); ``solution`` is decided
#: without a clock (issue 20), so it must come out the same
EXACT_FIELDS = ("formula", "complexity", "solution")


@dataclass(frozen=True)
class Part:
    """One ``run_grid`` call of a grid (per trial): its data sets, noise, λ grid, students;
    ``direct`` adds the no-teacher control (the student on the training labels, ``lam`` None)."""
    datasets: tuple
    lams: tuple
    noise: float = 0.0
    students: tuple = ("gplearn",)
    sr_readings: tuple = ("literal",)
    overrides: dict = field(default_factory=dict)
    direct: bool = False


@dataclass(frozen=True)
class Grid:
    """A named powered grid: ``parts`` run for every seed in ``seeds`` under ``profile``."""
    name: str
    description: str
    seeds: tuple
    parts: tuple
    profile: str = "paper"

    def cells(self, seeds=None) -> list[dict]:
        """Every cell as ``{"key", "cell"}``, trial by trial, in the order ``run_grid`` keys them."""
        out = []
        for seed in (self.seeds if seeds is None else seeds):
            for i, part in enumerate(self.parts):
                for ds in part.datasets:
                    config = config_for(ds, self.profile, **part.overrides)
                    variants = [(st, rd) for st in part.students
                                for rd in dict.fromkeys(check_student(st, r) for r in part.sr_readings)]
                    lams = [float(v) for v in part.lams] + ([None] if part.direct else [])
                    for lam in lams:
                        for st, rd in variants:
                            key = cell_key(ds, seed, part.noise, lam, rd, 0, config, st)
                            out.append({"key": key, "cell": {
                                "part": i, "dataset": ds, "seed": int(seed), "noise": float(part.noise),
                                "lam": lam, "direct": lam is None, "student": st, "sr_reading": rd,
                                "draw": 0, "profile": self.profile, "overrides": dict(part.overrides),
                                "teacher_lams": [float(v) for v in part.lams]}})
        return out


def _alignment() -> Grid:
    """Chapter 11 at a scale that decides (issue 18): 20 data sets x 10 trials x both penalties
    x λ ∈ {0, 0.01, 0.1, 0.5} (three per penalty, chosen on validation by the chapter) x both
    students, with chapter 08's settings (a 20 % validation split, no baselines); Feynman
    equations at label noise 0.01 with the symbolic-solution check skipped (R² only)."""
    from distillkit.datasets import DATASETS
    from distillkit.datasets.feynman import select_equations

    lams, students, readings = (0.0, 0.01, 0.1, 0.5), ("gplearn", "operon"), ("converged",)
    common = {"validation_size": 0.2, "baselines": False}
    parts = []
    for names, noise, extra in ((tuple(DATASETS), 0.0, {}),
                                (tuple(select_equations()), 0.01, {"solution_timeout": 0.0})):
        for penalty, grid in (("jacobian", lams), ("lipschitz", tuple(v for v in lams if v > 0))):
            parts.append(Part(names, grid, noise, students, readings,
                              {**common, **extra, "penalty": penalty}))
    return Grid("alignment", _alignment.__doc__.split("\n\n")[0].replace("\n    ", " "),
                tuple(range(10)), tuple(parts))


def _ground_truth() -> Grid:
    """Chapter 10 at a scale that decides (issue 20): 63 writable Feynman equations (the first
    12 per number of inputs) x 2 seeds x label noise γ ∈ {0, 0.01} x λ ∈ {0, 0.1} and the
    direct fit, for each student that finds laws (pipeline.GROUND_TRUTH_STUDENTS), with the
    ground-truth family's settings and the deterministic symbolic-solution check."""
    from distillkit.datasets.feynman import select_equations
    from distillkit.experiments.pipeline import GROUND_TRUTH_STUDENTS

    names = tuple(select_equations(per_inputs=12))
    parts = tuple(Part(names, (0.0, 0.1), noise, GROUND_TRUTH_STUDENTS, ("converged",), {}, direct=True)
                  for noise in (0.0, 0.01))
    return Grid("ground_truth", _ground_truth.__doc__.split("\n\n")[0].replace("\n    ", " "),
                (0, 1), parts)


def _tiny() -> Grid:
    """Three cheap cells (a Feynman law, smoke budgets: λ 0, 0.1 and the direct control)."""
    return Grid("tiny", "three cheap cells for tests", (0,),
                (Part(("feynman_I_12_1",), (0.0, 0.1), 0.0, ("gplearn",), ("literal",),
                      {"solution_timeout": 0.0}, direct=True),), profile="smoke")


#: the registry: name -> a function building the grid (data sets are resolved when asked)
GRIDS = {"alignment": _alignment, "ground_truth": _ground_truth, "tiny": _tiny}
#: grids ``run`` and ``status`` use when none is named (``seed`` and ``verify``: every grid in the ledger)
DEFAULT_GRIDS = ("alignment", "ground_truth")


def grid(name: str) -> Grid:
    if name not in GRIDS:
        raise ValueError(f"unknown evidence grid {name!r}; choose one of {sorted(GRIDS)}")
    return GRIDS[name]()


# --------------------------------------------------------------------------------------
# provenance
# --------------------------------------------------------------------------------------
def _git(*args) -> str:
    try:
        return subprocess.run(["git", *args], cwd=EVIDENCE_DIR.parent, capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def provenance() -> dict:
    """Commit, package versions, machine and date of this process."""
    from distillkit.experiments.pipeline import versions
    from distillkit.students import STUDENT_VERSIONS

    vers = versions()
    from importlib.metadata import PackageNotFoundError, version
    for dist in ("pyoperon", "scipy", "pandas", "statsmodels"):
        try:
            vers[dist] = version(dist)
        except PackageNotFoundError:
            pass
    cpu = ""
    try:
        cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                    if ln.startswith("model name")), "")
    except OSError:
        pass
    return {"commit": _git("rev-parse", "HEAD"), "dirty": bool(_git("status", "--porcelain", "distillkit")),
            "versions": vers, "student_versions": dict(STUDENT_VERSIONS),
            "machine": {"system": platform.system(), "arch": platform.machine(), "cpu": cpu or platform.processor(),
                        "cores": os.cpu_count(), "scheduler": os.environ.get(SCHEDULER_ENV) or None},
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds")}


# --------------------------------------------------------------------------------------
# the ledger
# --------------------------------------------------------------------------------------
def shard_path(ledger: Path, grid_name: str, seed: int, dataset: str) -> Path:
    return Path(ledger) / grid_name / f"s{int(seed):03d}_{dataset}.json.gz"


def _write_gz(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()
    tmp = path.with_name(f".tmp-{path.name}")
    with open(tmp, "wb") as fh, gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0) as gz:
        gz.write(data)  # mtime 0, no name: the same records give the same bytes
    os.replace(tmp, path)


def read_shard(path: Path) -> dict:
    try:
        with gzip.open(path, "rb") as fh:
            shard = json.loads(fh.read())
    except (OSError, ValueError) as exc:
        raise ValueError(f"ledger shard {path} is unreadable ({type(exc).__name__}: {exc})") from None
    if not isinstance(shard, dict) or "cells" not in shard:
        raise ValueError(f"ledger shard {path} is not a ledger shard (no 'cells')")
    return shard


def ledger_cells(ledger: Path = EVIDENCE_DIR, grids=None) -> list[dict]:
    """Every ``{"key", "cell", "record", "grid"}`` of the ledger (``grids`` None: all)."""
    out = []
    for gdir in sorted(p for p in Path(ledger).glob("*") if p.is_dir()):
        if grids is not None and gdir.name not in grids:
            continue
        for path in sorted(gdir.glob("*.json.gz")):
            out.extend(dict(c, grid=gdir.name) for c in read_shard(path)["cells"])
    return out


def ledger_share(keys, ledger: Path | None = None) -> int:
    """How many of ``keys`` (run cache keys, e.g. :func:`run_grid`'s ``cache_key`` column) are
    ledger records: a chapter run after ``make book`` seeded the run cache reads those from
    the ledger instead of computing them."""
    held = {c["key"] for c in ledger_cells(EVIDENCE_DIR if ledger is None else ledger)}
    return int(sum(str(k) in held for k in keys))


def _read_cached(cache: Path, key: str):
    path = cache / "runs" / f"{key}.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def collect(g: Grid, cache_dir=None, ledger: Path = EVIDENCE_DIR, meta: dict | None = None,
            seeds=None) -> int:
    """Write every complete (trial, data set) group of ``g`` found in the run cache to the
    ledger (shards already there with the same keys are kept as they are). Returns the
    number of shards written."""
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    groups: dict = {}
    for c in g.cells(seeds):
        groups.setdefault((c["cell"]["seed"], c["cell"]["dataset"]), []).append(c)
    written = 0
    for (seed, ds), cells in groups.items():
        path = shard_path(ledger, g.name, seed, ds)
        if path.exists() and [c["key"] for c in read_shard(path)["cells"]] == [c["key"] for c in cells]:
            continue
        records = [_read_cached(cache, c["key"]) for c in cells]
        if any(r is None for r in records):
            continue
        _write_gz(path, {"grid": g.name, "seed": seed, "dataset": ds, "meta": meta or provenance(),
                         "cells": [dict(c, record=r) for c, r in zip(cells, records)]})
        written += 1
    return written


def status(g: Grid, ledger: Path = EVIDENCE_DIR, details: bool = False) -> dict:
    """Cells in the grid, cells in the ledger, complete trials; with ``details`` also the
    ledger's keys, the commits and dates of the runs that wrote it and their throughput
    (cells computed per worker-minute of wall time, from ``runs.jsonl``)."""
    cells, shards = g.cells(), [read_shard(p) for p in sorted((Path(ledger) / g.name).glob("*.json.gz"))]
    have = {c["key"] for sh in shards for c in sh["cells"]}
    per_seed: dict = {}
    for c in cells:
        per_seed.setdefault(c["cell"]["seed"], []).append(c["key"] in have)
    out = {"grid": g.name, "cells": len(cells), "in_ledger": sum(c["key"] in have for c in cells),
           "complete_trials": sorted(s for s, ok in per_seed.items() if all(ok))}
    if details:
        log = Path(ledger) / g.name / "runs.jsonl"
        runs = [json.loads(x) for x in log.read_text().splitlines() if x.strip()] if log.exists() else []
        worker_min = sum(r["wall_seconds"] * r.get("n_jobs", 1) for r in runs if r.get("computed")) / 60
        out.update(keys=have, commits=sorted({sh["meta"]["commit"][:10] for sh in shards}),
                   dates=sorted(sh["meta"]["date"][:10] for sh in shards)[::max(len(shards) - 1, 1)],
                   cpus=sorted({sh["meta"]["machine"]["cpu"] for sh in shards}),
                   computed=sum(r.get("computed", 0) for r in runs),
                   cells_per_worker_minute=(sum(r.get("computed", 0) for r in runs) / worker_min
                                            if worker_min else float("nan")))
    return out


@contextmanager
def cluster_backend(address: str | None = None):
    """"dask" with a Client open on ``address`` or ``$DISTILLKIT_DASK_SCHEDULER``, else None."""
    address = address or os.environ.get(SCHEDULER_ENV)
    if not address:
        yield None
        return
    from dask.distributed import Client
    with Client(address):
        yield "dask"


def run(name: str, seeds=None, cache_dir=None, ledger: Path = EVIDENCE_DIR, n_jobs: int = 1,
        progress: bool = True) -> dict:
    """Compute grid ``name`` (cached cells reused) trial by trial, writing complete groups to
    the ledger after every chunk; returns the run's log entry (also appended to runs.jsonl)."""
    g = grid(name)
    seeds = list(g.seeds if seeds is None else seeds)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    start, t0 = provenance(), time.perf_counter()
    cells = g.cells(seeds)
    before = sum((cache / "runs" / f"{c['key']}.json").exists() for c in cells)
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(cells), initial=before, desc=f"evidence {name}", unit="cell")
    done, shards = before, 0
    with cluster_backend() as backend:
        for seed in seeds:
            for part in g.parts:
                run_grid(list(part.datasets), lams=list(part.lams), seeds=[seed], noises=(part.noise,),
                         profile=g.profile, sr_readings=part.sr_readings, students=part.students,
                         cache_dir=cache, n_jobs=-1 if backend else n_jobs, backend=backend,
                         progress=False, direct=part.direct, **part.overrides)
                now = sum((cache / "runs" / f"{c['key']}.json").exists() for c in cells)
                if bar is not None:
                    bar.update(now - done)
                done = now
                meta = dict(start, wall_seconds=round(time.perf_counter() - t0, 1))
                shards += collect(g, cache, ledger, meta, seeds=[seed])
    if bar is not None:
        bar.close()
    entry = dict(start, end=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                 wall_seconds=round(time.perf_counter() - t0, 1), seeds=seeds, cells=len(cells),
                 computed=done - before, shards_written=shards, n_jobs=n_jobs)
    log = Path(ledger) / g.name / "runs.jsonl"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a") as fh:
        fh.write(json.dumps(entry, sort_keys=True) + "\n")
    return entry


def seed_cache(cache_dir=None, ledger: Path = EVIDENCE_DIR, grids=None) -> dict:
    """Copy ledger records into the run cache where missing; ``{"copied", "present"}``."""
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    copied = present = 0
    for c in ledger_cells(ledger, grids):
        path = cache / "runs" / f"{c['key']}.json"
        if path.exists():
            present += 1
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".tmp-{path.name}")
        tmp.write_text(json.dumps(c["record"]))
        os.replace(tmp, path)
        copied += 1
    return {"copied": copied, "present": present}


def cell_cost(record: dict) -> float:
    """Recorded seconds to recompute a cell alone: the student's fit plus its teacher's
    ensemble (an upper bound on a lone teacher)."""
    t = float(record.get("teacher_seconds") or 0.0) * float(record.get("teacher_ensemble_size") or 1)
    return float(record.get("student_seconds") or 0.0) + t


def teacher_lams(cell: dict, record: dict | None = None) -> list[float]:
    """The λ of the ensemble the cell's teacher was trained in: the part's λ grid (stored with
    the cell; older cells: the registry's part), or the cell's λ alone when the record says its
    ensemble had one member. A teacher is bitwise the same whatever ensemble trains it, for
    both penalties (tests/teacher), and a cell's key does not name its ensemble, so the ledger
    can hold a record that another grid computed first (e.g. chapter 08's six-λ ensembles):
    verify then retrains the part's ensemble, and any difference in formula or R² fails it."""
    c = cell["cell"]
    lams = c.get("teacher_lams")
    if lams is None and cell.get("grid") in GRIDS:
        parts = grid(cell["grid"]).parts
        lams = list(parts[c["part"]].lams) if c.get("part", len(parts)) < len(parts) else None
    size = int((record or {}).get("teacher_ensemble_size") or 0)
    if lams is None or size == 1:
        return [float(c["lam"])]
    return [float(v) for v in lams]


def recompute(cell: dict, record: dict | None = None) -> dict | None:
    """``cell`` computed from scratch as the grid computes it (its teacher retrained in the
    same ensemble, :func:`teacher_lams`; no cache), or None if its cache key changed."""
    import torch

    from distillkit.experiments.pipeline import evaluate, evaluate_direct, fit_teachers

    c = cell["cell"]
    config = config_for(c["dataset"], c["profile"], **c["overrides"])
    rd = check_student(c["student"], c["sr_reading"])
    lam = None if c["lam"] is None else float(c["lam"])
    if cell_key(c["dataset"], c["seed"], c["noise"], lam, rd, c["draw"], config, c["student"]) != cell["key"]:
        return None
    torch.set_num_threads(1)  # as a sweep worker
    if lam is None:  # the no-teacher control
        return evaluate_direct(c["dataset"], c["seed"], c["noise"], config, rd, c["draw"], c["student"])
    lams = teacher_lams(cell, record)
    teacher = fit_teachers(c["dataset"], c["seed"], c["noise"], lams, config)[lams.index(lam)]
    return evaluate(c["dataset"], lam, c["seed"], c["noise"], config, teacher, rd, c["draw"], c["student"])


def compare(old: dict, new: dict | None, tol: float = R2_TOLERANCE) -> list[str]:
    """What differs between a ledger record and its recomputation (empty: identical)."""
    if new is None:
        return ["the cell's cache key changed (a setting, schema or implementation version differs)"]
    out = []
    for k in sorted(k for k in old if k.endswith("_r2") or k in EXACT_FIELDS):
        a, b = old.get(k), new.get(k)
        if k in EXACT_FIELDS or not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
            if a != b:
                out.append(f"{k}: {a!r} -> {b!r}")
        elif not (a == b or abs(float(a) - float(b)) <= tol or (a != a and b != b)):  # NaN == NaN here
            out.append(f"{k}: {a!r} -> {b!r} (|Δ| = {abs(float(a) - float(b)):.3g} > {tol:g})")
    return out


def verify(n: int = 5, ledger: Path = EVIDENCE_DIR, grids=None, max_seconds: float | None = None,
           rng: int | None = None, progress: bool = True) -> list[dict]:
    """Recompute ``n`` random ledger cells from scratch; one ``{"key", "cell", "diffs",
    "seconds"}`` per cell. Raises ValueError if the ledger holds fewer than ``n`` eligible cells."""
    cells = ledger_cells(ledger, grids)
    if max_seconds is not None:
        cells = [c for c in cells if cell_cost(c["record"]) <= max_seconds]
    if len(cells) < n:
        raise ValueError(f"the ledger holds {len(cells)} eligible cell(s) (max seconds {max_seconds}), "
                         f"fewer than the {n} to verify")
    chosen = random.Random(rng).sample(cells, n)
    out = []
    it = chosen
    if progress:
        from tqdm.auto import tqdm
        it = tqdm(chosen, desc="verify evidence", unit="cell")
    for c in it:
        t0 = time.perf_counter()
        new = recompute(c, c["record"])
        out.append({"key": c["key"], "cell": c["cell"], "diffs": compare(c["record"], new),
                    "seconds": time.perf_counter() - t0})
    return out


def main(argv=None) -> int:
    """``python -m distillkit.experiments.evidence run|seed|verify|status|collect`` (exit status)."""
    from distillkit.experiments._evidence_cli import run_cli
    return run_cli(argv)


__all__ = ["Part", "Grid", "GRIDS", "DEFAULT_GRIDS", "EVIDENCE_DIR", "R2_TOLERANCE", "grid", "provenance",
           "collect", "status", "run", "seed_cache", "ledger_cells", "read_shard", "verify", "recompute",
           "compare", "cell_cost", "teacher_lams", "cluster_backend", "main", "ledger_share"]

if __name__ == "__main__":
    sys.exit(main())
