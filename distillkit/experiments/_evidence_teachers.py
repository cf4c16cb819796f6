"""Every ledger cell's teacher, retrained from scratch and compared exactly.

:func:`distillkit.experiments.evidence.verify` recomputes a random sample of cells whole
(teacher and student, about 10 s each on this project's CPU); this check covers the whole
ledger cheaply instead. Each (data set, trial, noise, configuration, teacher ensemble) is
retrained once, without the run cache, and every cell it feeds must reproduce its recorded
teacher test, train and validation R² bit for bit. A teacher that differs changes the
student's targets, so a record that fails here would fail a full recomputation too (this is
how 26 cells computed before the lone Lipschitz teacher was made bitwise its ensemble member
were found). The student is not refitted: that part stays with ``verify``.
"""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

def teacher_groups(cells) -> dict:
    """Ledger cells with a teacher, grouped by the ensemble that trains it."""
    from distillkit.experiments.evidence import teacher_lams

    groups = defaultdict(list)
    for c in cells:
        cc = c["cell"]
        if cc["lam"] is None:  # the direct control has no teacher
            continue
        lams = tuple(teacher_lams(c, c["record"]))
        groups[(cc["dataset"], cc["seed"], cc["noise"], cc["profile"],
                json.dumps(cc["overrides"], sort_keys=True), lams)].append(c)
    return groups


def verify_teachers(ledger: Path, grids=None, progress: bool = True) -> list[dict]:
    """One ``{"key", "cell", "grid", "diffs"}`` per ledger cell with a teacher (``diffs``
    empty: its teacher's three R² are bitwise the record's)."""
    import torch

    from distillkit.experiments.evidence import config_for, ledger_cells
    from distillkit.experiments.pipeline import fit_teachers, make_split
    from distillkit.stats.metrics import r2

    torch.set_num_threads(1)  # as a sweep worker
    groups = teacher_groups(ledger_cells(ledger, grids))
    it = sorted(groups, key=str)
    if progress:
        from tqdm.auto import tqdm
        it = tqdm(it, desc="verify teachers", unit="ensemble")
    out = []
    for g in it:
        dataset, seed, noise, profile, overrides, lams = g
        config = config_for(dataset, profile, **json.loads(overrides))
        teachers = fit_teachers(dataset, seed, noise, list(lams), config)
        split = make_split(dataset, seed, noise, config)
        for c in groups[g]:
            t = teachers[lams.index(float(c["cell"]["lam"]))]
            new = {"teacher_r2": r2(split.y_test, t.predict(split.X_test)),
                   "teacher_train_r2": r2(split.y_train, t.predict(split.X_train))}
            if split.X_val is not None:
                new["teacher_val_r2"] = r2(split.y_val, t.predict(split.X_val))
            rec = c["record"]
            diffs = [f"{k}: {rec.get(k)!r} -> {v!r}" for k, v in new.items() if rec.get(k) != v]
            out.append({"key": c["key"], "cell": c["cell"], "grid": c["grid"], "diffs": diffs})
    return out


def report(results, seconds: float) -> tuple[str, int]:
    """The command line's lines for :func:`verify_teachers` and its exit status."""
    bad = [r for r in results if r["diffs"]]
    lines = []
    for r in bad:
        c = r["cell"]
        lines.append(f"FAIL {r['grid']} {r['key']} {c['dataset']} seed {c['seed']} λ {c['lam']:g} "
                     f"{c['student']} {c['overrides'].get('penalty', '')}"
                     + "".join(f"\n     {d}" for d in r["diffs"]))
    lines.append(f"verify teachers: {len(results)} cell(s), {len(bad)} differ from the ledger "
                 f"({seconds:.0f} s)")
    return "\n".join(lines), int(bool(bad))


__all__ = ["verify_teachers", "teacher_groups", "report"]
