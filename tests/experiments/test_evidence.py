"""The evidence ledger (distillkit.experiments.evidence) on its tiny grid (three smoke cells:
λ 0, 0.1 and the direct control)."""
import gzip
import json

import numpy as np
import pytest

from distillkit.experiments import evidence as ev
from distillkit.experiments._evidence_teachers import verify_teachers


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    root = tmp_path_factory.mktemp("evidence")
    cache, ledger = root / "cache", root / "ledger"
    entry = ev.run("tiny", cache_dir=cache, ledger=ledger, progress=False)
    return cache, ledger, entry


def test_run_writes_complete_groups_with_provenance(ran):
    cache, ledger, entry = ran
    g = ev.grid("tiny")
    shards = sorted((ledger / "tiny").glob("*.json.gz"))
    assert [p.name for p in shards] == ["s000_feynman_I_12_1.json.gz"]
    shard = ev.read_shard(shards[0])
    assert [c["key"] for c in shard["cells"]] == [c["key"] for c in g.cells()]
    for k in ("commit", "versions", "machine", "date", "wall_seconds"):
        assert k in shard["meta"]
    # the grid's keys are the run cache's file names: run_grid wrote exactly those
    assert {p.stem for p in (cache / "runs").glob("*.json")} == {c["key"] for c in g.cells()}
    assert entry["computed"] == entry["cells"] == 3 and entry["wall_seconds"] > 0
    assert [c["cell"]["lam"] for c in shard["cells"]] == [0.0, 0.1, None]
    assert shard["cells"][2]["record"]["distilled"] is False
    log = [json.loads(line) for line in (ledger / "tiny" / "runs.jsonl").read_text().splitlines()]
    assert log[-1]["cells"] == 3
    assert ev.status(g, ledger) == {"grid": "tiny", "cells": 3, "in_ledger": 3, "complete_trials": [0]}


def test_shards_are_deterministic_bytes(ran, tmp_path):
    cache, ledger, _ = ran
    g = ev.grid("tiny")
    meta = ev.read_shard(next((ledger / "tiny").glob("*.json.gz")))["meta"]
    a, b = tmp_path / "a", tmp_path / "b"
    assert ev.collect(g, cache, a, meta) == 1 and ev.collect(g, cache, b, meta) == 1
    pa, pb = next((a / "tiny").glob("*.gz")), next((b / "tiny").glob("*.gz"))
    assert pa.read_bytes() == pb.read_bytes()
    assert ev.collect(g, cache, a, meta) == 0  # an unchanged shard is not rewritten


def test_incomplete_groups_stay_out_of_the_ledger(ran, tmp_path):
    cache, _, _ = ran
    g = ev.grid("tiny")
    partial = tmp_path / "cache"
    (partial / "runs").mkdir(parents=True)
    key = g.cells()[0]["key"]
    (partial / "runs" / f"{key}.json").write_text((cache / "runs" / f"{key}.json").read_text())
    assert ev.collect(g, partial, tmp_path / "ledger") == 0


def test_seed_copies_missing_records_only(ran, tmp_path):
    _, ledger, _ = ran
    fresh = tmp_path / "cache"
    assert ev.seed_cache(fresh, ledger) == {"copied": 3, "present": 0}
    assert ev.seed_cache(fresh, ledger) == {"copied": 0, "present": 3}
    # a sweep over the seeded cache recomputes nothing: the records come back as they are
    from distillkit.experiments.sweep import run_grid
    c = ev.grid("tiny").cells()[0]["cell"]
    df = run_grid([c["dataset"]], lams=[0.0, 0.1], seeds=[0], profile="smoke", cache_dir=fresh,
                  progress=False, direct=True, **c["overrides"])
    recs = {json.dumps(x["record"]["formula"]) for x in ev.ledger_cells(ledger)}
    assert {json.dumps(f) for f in df.formula} == recs


def test_verify_passes_and_catches_a_changed_number_or_formula(ran, tmp_path):
    _, ledger, _ = ran
    res = ev.verify(3, ledger, ["tiny"], rng=0, progress=False)  # the direct cell included
    assert [r["diffs"] for r in res] == [[], [], []]
    # tamper with a copy of the ledger: an R² off by 1e-6 and a different formula
    bad = tmp_path / "ledger" / "tiny"
    bad.mkdir(parents=True)
    src = next((ledger / "tiny").glob("*.json.gz"))
    shard = ev.read_shard(src)
    shard["cells"][0]["record"]["student_r2"] += 1e-6
    shard["cells"][1]["record"]["formula"] = "add(X0, 1.000)"
    with gzip.open(bad / src.name, "wt") as fh:
        json.dump(shard, fh)
    res = ev.verify(3, tmp_path / "ledger", ["tiny"], rng=0, progress=False)
    diffs = sorted(d for r in res for d in r["diffs"])
    assert any(d.startswith("student_r2") and "> 1e-09" in d for d in diffs)
    assert any(d.startswith("formula") for d in diffs)


def test_compare_flags_a_changed_key_and_tolerates_tiny_noise():
    old = {"student_r2": 0.5, "teacher_r2": 0.9, "formula": "X0", "complexity": 1}
    assert ev.compare(old, None) == ["the cell's cache key changed (a setting, schema or implementation version differs)"]
    assert ev.compare(old, dict(old, student_r2=0.5 + 1e-12)) == []
    assert ev.compare(old, dict(old, complexity=3)) == ["complexity: 1 -> 3"]
    nan = {"student_r2": float("nan")}
    assert ev.compare(nan, dict(nan)) == [] and ev.compare(nan, {"student_r2": 0.1}) != []


def test_verify_needs_enough_cells(ran):
    _, ledger, _ = ran
    with pytest.raises(ValueError, match="fewer than the 5 to verify"):
        ev.verify(5, ledger, ["tiny"], progress=False)
    with pytest.raises(ValueError, match="eligible"):
        ev.verify(1, ledger, ["tiny"], max_seconds=0.0, progress=False)


def test_cli_verify_draws_from_every_grid_in_the_ledger(ran, capsys):
    # the tiny grid is not a default grid: verify without --grid still finds its cells
    _, ledger, _ = ran
    assert "tiny" not in ev.DEFAULT_GRIDS and set(ev.DEFAULT_GRIDS) == {"alignment", "ground_truth"}
    assert ev.main(["verify", "--ledger", str(ledger), "--n", "1", "--rng", "0"]) == 0
    out = capsys.readouterr().out
    assert "verify: 1 cell(s), --rng 0" in out and "ok   feynman_I_12_1 seed 0" in out


def test_cli_errors_are_one_line(capsys):
    assert ev.main(["status", "--grid", "nope"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: unknown evidence grid 'nope'") and "\n" not in err


def test_the_alignment_grid_decides_chapter_11():
    """Issue 18: both students, both penalties, >= 3 λ > 0 per penalty, 20 data sets, >= 10
    trials; ordered trial by trial so complete trials accumulate."""
    g = ev.grid("alignment")
    cells = [c["cell"] for c in g.cells()]
    assert len({c["dataset"] for c in cells}) == 20 and len(g.seeds) >= 10
    assert {c["student"] for c in cells} == {"gplearn", "operon"}
    for pen in ("jacobian", "lipschitz"):
        assert len({c["lam"] for c in cells if c["overrides"]["penalty"] == pen and c["lam"] > 0}) >= 3
    seeds = [c["seed"] for c in cells]
    assert seeds == sorted(seeds)
    assert len({c["key"] for c in g.cells()}) == len(cells) == 2800


def test_teacher_lams_retrains_the_grids_ensemble():
    cell = {"key": "k", "grid": "alignment", "cell": {"part": 1, "lam": 0.1}}  # real data, Lipschitz
    assert ev.teacher_lams(cell) == [0.01, 0.1, 0.5]
    assert ev.teacher_lams(cell, {"teacher_ensemble_size": 1}) == [0.1]  # trained alone
    stored = {"key": "k", "cell": {"lam": 0.1, "teacher_lams": [0.0, 0.1]}}
    assert ev.teacher_lams(stored, {"teacher_ensemble_size": 2}) == [0.0, 0.1]
    # a record another grid computed first (same key, another ensemble): the part's ensemble is
    # retrained, and verify compares formula and R² with the record
    assert ev.teacher_lams(cell, {"teacher_ensemble_size": 6}) == [0.01, 0.1, 0.5]


def test_verify_teachers_checks_every_teacher_bitwise(ran, tmp_path, capsys):
    _, ledger, _ = ran
    res = verify_teachers(ledger, ["tiny"], progress=False)
    assert len(res) == 2 and [r["diffs"] for r in res] == [[], []]  # λ 0 and 0.1; direct has none
    bad = tmp_path / "ledger" / "tiny"
    bad.mkdir(parents=True)
    src = next((ledger / "tiny").glob("*.json.gz"))
    shard = ev.read_shard(src)
    r = shard["cells"][1]["record"]
    r["teacher_r2"] = float(np.nextafter(r["teacher_r2"], 2.0))  # one ulp: not within 1e-9's mercy
    with gzip.open(bad / src.name, "wt") as fh:
        json.dump(shard, fh)
    res = verify_teachers(tmp_path / "ledger", ["tiny"], progress=False)
    assert [bool(r["diffs"]) for r in res] == [False, True]
    assert res[1]["diffs"][0].startswith("teacher_r2")
    assert ev.main(["verify-teachers", "--ledger", str(tmp_path / "ledger")]) == 1
    err = capsys.readouterr().err
    assert "FAIL tiny" in err and "2 cell(s), 1 differ" in err


def test_ledger_share_counts_the_runs_a_seeded_cache_supplies(ran, tmp_path):
    _, ledger, _ = ran
    from distillkit.book.analyses import ledger_records
    from distillkit.experiments.sweep import run_grid
    fresh = tmp_path / "cache"
    ev.seed_cache(fresh, ledger)
    c = ev.grid("tiny").cells()[0]["cell"]
    # λ 0 and 0.1 come from the ledger; λ 0.5 is computed here
    df = run_grid([c["dataset"]], lams=[0.0, 0.1, 0.5], seeds=[0], profile="smoke", cache_dir=fresh,
                  progress=False, **c["overrides"])
    assert sorted(p.stem for p in (fresh / "runs").glob("*.json")) == sorted(set(df.cache_key) | {
        x["key"] for x in ev.ledger_cells(ledger)})
    assert ev.ledger_share(df.cache_key, ledger) == 2
    assert ev.ledger_share(["not-a-key"], ledger) == 0
    assert ledger_records(df, df.iloc[:1], ledger=ledger) == {"n_records": 3, "n_ledger": 2}
