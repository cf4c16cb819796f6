"""distillkit.book.chapters.smoothness_alignment (chapter 11) on synthetic records: seconds, no training."""
import numpy as np
import pandas as pd
import pytest

from distillkit.book.chapters import smoothness_alignment as al
from distillkit.experiments.pipeline import PROFILES, student_label


def test_sizes_cover_every_profile_and_full_is_the_revisions_50_trials():
    assert set(al.SIZES) == set(PROFILES)
    assert al.SIZES["full"]["seeds"] == 50
    for s in al.SIZES.values():
        assert 0.0 in s["lams"]


def test_paper_suite_is_twenty_data_sets():
    from distillkit.datasets import DATASETS
    from distillkit.datasets.feynman import select_equations
    s = al.suite("paper")
    assert s["real"] == list(DATASETS) and s["feynman"] == list(select_equations())
    assert len(s["real"]) + len(s["feynman"]) == 20
    assert len(al.suite("smoke")["feynman"]) < 15
    with pytest.raises(ValueError, match="profile"):
        al.suite("nope")


def _records(gain_jac=0.1, gain_lip=0.05, n_datasets=12, seeds=(0, 1), lams=(0.0, 0.1, 0.5)):
    """Records where λ > 0 adds ``gain`` to test and validation R² of both students
    (independent noise on each, so choosing λ on validation is not choosing it on test)."""
    rng = np.random.default_rng(0)
    rows = []
    for d in range(n_datasets):
        base = rng.uniform(0.3, 0.7)
        for seed in seeds:
            for st in ("gplearn", "operon"):
                for pen, gain in (("jacobian", gain_jac), ("lipschitz", gain_lip)):
                    for lam in lams:
                        if pen == "lipschitz" and lam == 0:
                            continue
                        g = gain * (lam > 0) * (1 if lam == 0.1 else 0.5)
                        r2 = base + g + 0.01 * rng.standard_normal()
                        rows.append(dict(dataset=f"d{d}", seed=seed, noise=0.0, lam=lam, penalty=pen,
                                         student=st, sr_reading="converged",
                                         variant=student_label(st, "converged"),
                                         student_r2=r2,
                                         student_val_r2=base + g + 0.01 * rng.standard_normal(),
                                         teacher_r2=0.8, teacher_jacobian_sq=1.0 / (1 + 10 * lam),
                                         complexity=20 - 10 * lam, student_seconds=2.0,
                                         teacher_seconds=0.5))
    return pd.DataFrame(rows)


def test_method_table_picks_lambda_on_validation_and_standard_is_lambda_0():
    m = al.method_table(_records())
    assert set(m.method) == set(al.METHODS)
    assert (m[m.method == "standard"].lam == 0).all()
    assert (m[m.method == "Jacobian"].lam == 0.1).all()  # best validation R²
    per_cell = m.groupby(["dataset", "trial", "variant"]).size()
    assert (per_cell == 3).all()


def test_verdicts_when_smoothing_helps_every_student():
    v = {x.key: x for x in al.verdicts(_records())}
    assert v["significant"].verdict == "reproduced"
    assert v["across"].verdict == "reproduced"
    assert v["penalties"].verdict in {"reproduced", "partly reproduced", "not reproduced"}
    assert "Friedman p" in v["significant"].evidence
    for key in al.RULES:
        assert v[key].rule == al.rule(key)


def test_verdicts_when_smoothing_does_nothing():
    v = {x.key: x for x in al.verdicts(_records(gain_jac=0.0, gain_lip=0.0))}
    assert v["significant"].verdict == "not reproduced"
    assert v["across"].verdict == "not reproduced"
    assert v["penalties"].verdict == "reproduced"  # no loss beyond the margin for any student
    for key in ("significant", "across"):  # every arm: estimate, interval, the claim, its outcome
        for row in v[key].effects:
            assert row["ci_lo"] <= row["estimate"] <= row["ci_hi"] and row["claim"] == al.THRESHOLDS["sesoi"]
            assert not (row["outcome"] == "not reproduced" and row["ci_lo"] <= row["claim"] <= row["ci_hi"])
    assert v["significant"].topic == v["across"].topic == "smoothing_helps"


def test_one_trial_on_a_null_is_not_a_not_reproduced_when_the_interval_holds_the_claim():
    # issue 18: a noisy null on 20 data sets x 1 trial must not read "not reproduced" unless
    # the interval excludes the smallest effect of interest
    rec = al.verdicts(_records(gain_jac=0.0, gain_lip=0.0, n_datasets=20, seeds=(0,)))
    for v in rec:
        for row in v.effects:
            if row["claim_kind"] == "sesoi" and row["ci_hi"] >= row["claim"]:
                assert row["outcome"] != "not reproduced"


def test_effect_table_and_mixed_model():
    eff = al.effects(al.method_table(_records()))
    t = al.effect_table(eff)
    assert set(t.comparison) == {"Jacobian vs standard", "Lipschitz vs standard", "Lipschitz vs Jacobian"}
    jac = t[(t.comparison == "Jacobian vs standard")]
    assert np.allclose(jac["ΔR²"], 0.1, atol=0.01) and np.allclose(jac["mixed model ΔR²"], 0.1, atol=0.01)
    assert (t["data sets"] == 12).all()


def test_leave_one_out_table_names_the_data_set_that_carries_a_gain():
    df = _records(gain_jac=0.0, gain_lip=0.0)
    # one data set where every λ > 0 Operon student is far better: Operon's gain rests on it alone
    df.loc[(df.dataset == "d5") & (df.student == "operon") & (df.lam > 0), ["student_r2", "student_val_r2"]] += 1.0
    t = al.leave_one_out_table(al.method_table(df)).set_index(["student", "comparison"])
    op = t.loc[("Operon", "Jacobian vs standard")]
    assert op["ΔR²"] > 0.05 and op["most influential"].startswith("d5 (ΔR² without it ")
    lo, hi = (float(x) for x in op["ΔR² without one data set"].split(" to "))
    assert lo < 0.02 < 0.05 < hi
    assert op["same outcome"] != "12 of 12"  # without d5 there is nothing to reproduce
    assert ("Operon", "Lipschitz vs Jacobian") in t.index  # the non-inferiority comparison too
    gp = t.loc[(student_label("gplearn", "converged"), "Jacobian vs standard")]
    assert gp["outcome"] != "reproduced"
    v = {x.key: x for x in al.verdicts(df)}
    assert "Leaving one data set out" in v["across"].evidence and "most influential: d5" in v["across"].evidence


def test_the_evidence_grid_is_this_chapters_design():
    from distillkit.book import analyses
    from distillkit.experiments import evidence
    g = evidence.grid("alignment")
    s = al.suite("paper")
    for part in g.parts:
        feyn = part.noise == al.FEYNMAN_NOISE
        assert list(part.datasets) == (s["feynman"] if feyn else s["real"])
        extra = {"penalty", "solution_timeout"} if feyn else {"penalty"}
        assert {k: v for k, v in part.overrides.items() if k not in extra} == analyses.GRID_OVERRIDES
        assert part.students == tuple(st for st, _ in al.STUDENTS)
        assert 0.0 in part.lams or part.overrides["penalty"] == "lipschitz"


def test_plan_reads_complete_trials_from_the_ledger(tmp_path, monkeypatch):
    from distillkit.experiments import evidence
    monkeypatch.setenv("DISTILLKIT_CACHE", str(tmp_path / "cache"))
    assert al.plan("paper", ledger=tmp_path / "ledger")["from_ledger"] is False  # empty ledger
    g = evidence.grid("alignment")
    meta = {"commit": "abc", "date": "2026-12-06T00:00:00+00:00", "machine": {"cpu": "test"}}
    cells = g.cells(seeds=[0])
    for ds in dict.fromkeys(c["cell"]["dataset"] for c in cells):
        mine = [dict(c, record={"dataset": ds, "seed": 0, "student_r2": 0.5}) for c in cells
                if c["cell"]["dataset"] == ds]
        path = evidence.shard_path(tmp_path / "ledger", g.name, 0, ds)
        path.parent.mkdir(parents=True, exist_ok=True)
        import gzip, json
        with gzip.open(path, "wt") as fh:
            json.dump({"grid": g.name, "seed": 0, "dataset": ds, "meta": meta, "cells": mine}, fh)
    p = al.plan("paper", ledger=tmp_path / "ledger")
    assert p["from_ledger"] and p["seeds"] == [0] and p["lams"] == [0.0, 0.01, 0.1, 0.5]
    assert "1 complete trial(s) of 10" in p["note"]
    assert len(list((tmp_path / "cache" / "runs").glob("*.json"))) == len(cells)  # seeded
    assert al.plan("paper", seeds=3, ledger=tmp_path / "ledger")["from_ledger"] is False  # asked otherwise
    assert al.plan("smoke", ledger=tmp_path / "ledger")["from_ledger"] is False


def test_verdicts_inconclusive_with_too_few_data_sets():
    v = al.verdicts(_records(n_datasets=al.THRESHOLDS["min_datasets"] - 1))
    assert {x.verdict for x in v} == {"inconclusive"}


def test_tradeoff_table_shows_smoothness_ratio():
    t = al.tradeoff_table(_records())
    none = t[t.penalty == "none"]
    assert len(none) == 2 and np.allclose(none.jac_ratio, 1.0)  # one λ = 0 row per student
    jac = t[(t.penalty == "jacobian") & (t.lam == 0.1)]
    assert np.allclose(jac.jac_ratio, 0.5)  # 1/(1 + 10·0.1)


def test_throughput_from_records():
    df = _records(n_datasets=2, seeds=(0,))
    out = al.throughput(df, wall_seconds=60.0, cores=2)
    assert out["student_fits"] == len(df) == 20
    assert out["teacher_fits"] == 2 * 5  # (data set) x (λ, penalty) pairs, students share teachers
    assert out["fits_per_core_minute"] == pytest.approx(30 / 2.0)
    assert out["busy"] == pytest.approx((20 * 2.0 + 10 * 0.5) / 120.0)
    with pytest.raises(ValueError, match="wall_seconds"):
        al.throughput(df, wall_seconds=0, cores=2)


def test_cluster_backend_reads_the_environment(monkeypatch):
    monkeypatch.delenv(al.SCHEDULER_ENV, raising=False)
    with al.cluster_backend() as backend:
        assert backend is None


def test_run_counts():
    import pandas as pd

    from distillkit.book.chapters.smoothness_alignment import run_counts
    df = pd.DataFrame({"dataset": ["a", "a", "b"], "seed": [0, 1, 0]})
    assert run_counts(df) == {"n_datasets": 2, "n_trials": 2, "n_runs": 3}
