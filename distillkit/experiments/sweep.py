"""Grids of runs (data sets x λ x seeds x noise x SR readings x students), cached on disk.

Every finished cell is written at once to ``<cache_dir>/runs/<key>.json`` and every
trained teacher to ``<cache_dir>/teachers/<key>.joblib``; the key hashes everything
the result depends on. Re-running an interrupted sweep therefore redoes nothing that
finished. Work runs through joblib, so any joblib backend works unchanged::

    from dask.distributed import Client
    client = Client(...)                   # a dask.distributed cluster
    run_grid(..., n_jobs=-1, backend="dask")

Teachers of one (data set, seed, noise) group train together as one batched ensemble
(:func:`distillkit.teacher.fit_teacher_ensemble`); students then run cell by cell.
With ``direct=True`` each (data set, seed, noise, student) also gets the control with no
teacher: the student fitted on the training labels (``distilled`` is False, ``lam`` NaN).
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from contextlib import nullcontext
from itertools import product
from pathlib import Path

import joblib
import numpy as np
import pandas as pd

from distillkit.experiments.pipeline import (SPLIT_KEYS, TEACHER_KEYS, dataset_of, check_student, config_for, dataset_key, evaluate, evaluate_direct, fit_teachers, profile_settings, resolve_config)
from distillkit.students import SR_READINGS, STUDENT_VERSIONS
from distillkit.teacher import check_lam

from distillkit.experiments.profiles import default_cache_dir  # noqa: E402,F401  (named here too)

CACHE_SCHEMA = 3  # bump when a record's meaning changes, so old caches are not reused
# 3: records carry `student` and `distilled`; direct (no-teacher) cells



def _digest(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:20]


def teacher_key(dataset, seed, noise, lam, config) -> str:
    return _digest({"schema": CACHE_SCHEMA, "data": dataset_key(dataset), "seed": int(seed),
                    "noise": float(noise), "lam": float(lam),
                    "cfg": {k: config[k] for k in TEACHER_KEYS + SPLIT_KEYS}})


def cell_key(dataset, seed, noise, lam, sr_reading, sr_draw, config, student="gplearn") -> str:
    """Key of a distilled cell, or (``lam`` None) of the direct control."""
    if lam is None:
        key = {"schema": CACHE_SCHEMA, "direct": True, "data": dataset_key(dataset),
               "seed": int(seed), "noise": float(noise), "sr": sr_reading,
               "draw": int(sr_draw), "student": student,
               "cfg": {k: v for k, v in config.items() if k not in TEACHER_KEYS + ("device",)}}
        if student in STUDENT_VERSIONS:
            key["impl"] = STUDENT_VERSIONS[student]
        return _digest(key)
    key = {"teacher": teacher_key(dataset, seed, noise, lam, config),
           "sr": sr_reading, "draw": int(sr_draw), "student": student,
           "cfg": {k: v for k, v in config.items() if k != "device"}}
    if student in STUDENT_VERSIONS:  # a changed implementation invalidates its cells only
        key["impl"] = STUDENT_VERSIONS[student]
    return _digest(key)


def _atomic_write(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


#: a cached record without these is not a finished run (e.g. a truncated or foreign file)
RECORD_KEYS = ("dataset", "seed", "student_r2")


def _unusable(path: Path, why: str) -> None:
    warnings.warn(f"cache file {path} is unusable ({why}); recomputing it", stacklevel=3)


def _read_record(path: Path) -> dict | None:
    """A cached run record, or None (with a warning naming the file) if it is corrupt."""
    try:
        record = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        _unusable(path, f"{type(exc).__name__}: {exc}")
        return None
    missing = [k for k in RECORD_KEYS if k not in record] if isinstance(record, dict) else RECORD_KEYS
    if missing:
        _unusable(path, f"not a run record, lacks {', '.join(missing)}")
        return None
    return record


def _read_teacher(path: Path):
    """A cached teacher, or None (with a warning naming the file) if it cannot be loaded."""
    try:
        teacher = joblib.load(path)
    except Exception as exc:  # truncated pickles raise EOFError, UnpicklingError, ValueError, ...
        _unusable(path, f"{type(exc).__name__}: {exc}")
        return None
    if not hasattr(teacher, "predict"):
        _unusable(path, f"holds a {type(teacher).__name__}, not a teacher")
        return None
    return teacher


def _train_group(dataset, seed, noise, lams, config):
    import torch
    torch.set_num_threads(1)  # one core per worker; joblib runs several
    return fit_teachers(dataset, seed, noise, lams, config)


def _run_cell(dataset, lam, seed, noise, config, teacher, sr_reading, sr_draw, profile, student):
    import torch
    torch.set_num_threads(1)
    if lam is None:
        record = evaluate_direct(dataset, seed, noise, config, sr_reading, sr_draw, student)
    else:
        record = evaluate(dataset, lam, seed, noise, config, teacher, sr_reading, sr_draw, student)
    record["profile"] = profile
    return record


def _parallel(n_jobs, backend, jobs):
    """Run ``jobs``, yielding results as they finish.

    The backend is selected with ``joblib.parallel_config`` (held while the results are
    consumed): joblib 1.6 registers its "dask" backend only that way, and
    ``Parallel(backend="dask")`` fails.
    """
    config = joblib.parallel_config(backend=backend) if backend is not None else nullcontext()
    with config:
        yield from joblib.Parallel(n_jobs=n_jobs, return_as="generator_unordered")(jobs)


def run_grid(datasets, lams=None, seeds=None, noises=(0.0,), profile: str = "paper",
             sr_readings=("literal",), sr_draws: int = 1, cache_dir=None, n_jobs: int = 1,
             backend: str | None = None, progress: bool = True, students=("gplearn",),
             direct: bool = False, **overrides) -> pd.DataFrame:
    """Run every combination and return one row per cell (cached cells are reused).

    ``lams``/``seeds`` default to the profile's grid. ``sr_draws`` > 1 repeats the
    symbolic student with independent random states on the same teacher (the
    selection-bias control). ``students`` picks the symbolic regressors ("gplearn",
    "operon"; Operon has one reading, recorded as "converged"); ``direct`` adds the
    no-teacher control per (data set, seed, noise, reading, draw, student). ``backend``
    is any joblib backend name ("loky", "threading", "dask", "ray", ...). Budgets can be overridden as in
    :func:`distillkit.experiments.pipeline.run`.
    """
    settings = profile_settings(profile)
    lams = [check_lam(lam) for lam in (settings["lams"] if lams is None else lams)]
    seeds = [int(s) for s in (settings["seeds"] if seeds is None else seeds)]
    noises = [float(a) for a in noises]
    if any(not np.isfinite(a) or a < 0 for a in noises):
        raise ValueError(f"noise levels must be finite and >= 0, got {noises}")
    bad = [r for r in sr_readings if r not in SR_READINGS]
    if bad:
        raise ValueError(f"unknown SR reading(s) {bad}; choose from {SR_READINGS}")
    if isinstance(datasets, (str,)) or not hasattr(datasets, "__iter__"):
        datasets = [datasets]
    datasets = list(datasets)
    for ds in datasets:
        dataset_of(ds)  # unknown names fail here, before any work
    resolve_config(profile, **overrides)  # bad settings fail here, before any work
    configs = {dataset_key(ds): config_for(ds, profile, **overrides) for ds in datasets}
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    runs_dir, teachers_dir = cache / "runs", cache / "teachers"

    students = [students] if isinstance(students, str) else list(students)
    variants = list(dict.fromkeys((st, check_student(st, rd)) for st in students for rd in sr_readings))
    cells = [(ds, lam, seed, noise, rd, draw, st) for ds, seed, noise, lam, (st, rd), draw in
             product(datasets, seeds, noises, lams, variants, range(sr_draws))]
    if direct:
        cells += [(ds, None, seed, noise, rd, draw, st) for ds, seed, noise, (st, rd), draw in
                  product(datasets, seeds, noises, variants, range(sr_draws))]
    records, todo = {}, []  # records are keyed by the cache file name (Datasets are unhashable)
    for cell in cells:
        ds, lam, seed, noise, rd, draw, st = cell
        path = runs_dir / f"{cell_key(ds, seed, noise, lam, rd, draw, configs[dataset_key(ds)], st)}.json"
        record = _read_record(path) if path.exists() else None
        if record is not None:
            records[path.name] = record
        else:
            todo.append((cell, path))

    bar = None
    if progress and todo:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(cells), initial=len(records), desc=f"sweep ({profile})", unit="run")

    # phase 1: teachers missing from the cache, one batched ensemble per group
    teachers, groups = {}, {}
    for (ds, lam, seed, noise, _, _, _), _ in todo:
        tkey = (dataset_key(ds), seed, noise, lam)
        if lam is None or tkey in teachers:
            continue
        tpath = teachers_dir / f"{teacher_key(ds, seed, noise, lam, configs[tkey[0]])}.joblib"
        teacher = _read_teacher(tpath) if tpath.exists() else None
        if teacher is not None:
            teachers[tkey] = teacher
        else:
            teachers[tkey] = None
            groups.setdefault((dataset_key(ds), seed, noise), (ds, []))[1].append(lam)
    if groups:
        if bar is not None:
            bar.set_postfix_str(f"training {sum(len(g[1]) for g in groups.values())} teachers")
        jobs = [joblib.delayed(_with_key)(gkey, _train_group, ds, gkey[1], gkey[2], glams, configs[gkey[0]])
                for gkey, (ds, glams) in groups.items()]
        for gkey, fitted in _parallel(n_jobs, backend, jobs):
            ds = groups[gkey][0]
            for lam, teacher in zip(groups[gkey][1], fitted):
                teachers[(gkey[0], gkey[1], gkey[2], lam)] = teacher
                path = teachers_dir / f"{teacher_key(ds, gkey[1], gkey[2], lam, configs[gkey[0]])}.joblib"
                _atomic_write(path, lambda tmp, t=teacher: joblib.dump(t, tmp))

    # phase 2: students, one task per cell, each record saved the moment it arrives
    if todo:
        if bar is not None:
            bar.set_postfix_str("distilling")
        jobs = [joblib.delayed(_with_key)(
            (dataset_key(cell[0]), str(path)), _run_cell, cell[0], cell[1], cell[2], cell[3],
            configs[dataset_key(cell[0])],
            teachers.get((dataset_key(cell[0]), cell[2], cell[3], cell[1])), cell[4], cell[5], profile,
            cell[6]) for cell, path in todo]
        for (dkey, path), record in _parallel(n_jobs, backend, jobs):
            record["dataset_key"] = dkey
            _atomic_write(Path(path), lambda tmp, r=record: Path(tmp).write_text(json.dumps(r)))
            records[Path(path).name] = record
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    keys = [f"{cell_key(ds, seed, noise, lam, rd, draw, configs[dataset_key(ds)], st)}.json"
            for ds, lam, seed, noise, rd, draw, st in cells]
    df = pd.DataFrame([records[k] for k in keys])
    df["cache_key"] = [k[:-len(".json")] for k in keys]  # the run cache's (and the evidence ledger's) key
    return df


def _with_key(key, fn, *args):
    return key, fn(*args)


__all__ = ["run_grid", "default_cache_dir", "teacher_key", "cell_key", "CACHE_SCHEMA"]
