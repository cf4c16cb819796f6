"""Chapter 2's claims: the teacher keeps its accuracy as λ grows; the Concrete student
peaks at λ = 0.001 (Figure 2).

Verdicts (rules in :data:`RULES`, thresholds in :data:`THRESHOLDS`), on the focus data set
(Concrete where it is in the sweep):

``teacher``  "teacher accuracy remains remarkably stable, showing no degradation even at
             high regularization strengths";
``peak``     "student accuracy peaks dramatically at λ = 0.001, improving its R² score from
             0.10 to nearly 0.60", under the primary SR reading (the one whose Table 6
             pattern is closest to the paper's).

The chapter's training times are lone-teacher fits (:func:`distillkit.experiments.timing.training_times`),
not the sweep's batched ones; :func:`timing_glues` and :func:`failed_penalty_notes` say what
the prose and the book print about them.
"""
from __future__ import annotations

import functools

import math

import numpy as np
import pandas as pd

from distillkit.book import competence as _competence
from distillkit.experiments import paper
from distillkit.book.analyses import DROP_TOL, primary_reading
from distillkit.book.competence import competent_cells
from distillkit.stats.metrics import best_lambda
from distillkit.book.show import fmt_lam, name_of
from distillkit.vocab import SR_READINGS
from distillkit.book.verdict import INCONCLUSIVE, NOT, PARTLY, REPRODUCED, Verdict, effect_rows, guarded, rule_text
from distillkit.stats.outcome import Claim, decide, paired_effect

THRESHOLDS = {
    "drop_tol": DROP_TOL,  # largest teacher R² drop below λ = 0 that still counts as "no degradation"
    "drop_loose": 0.05,  # ... and that counts as a partial reproduction
    "peak_lam": 0.001,  # the paper's best λ on Concrete (Figure 2)
    "peak_from": 0.10,  # the paper's standard student R² on Concrete
    "peak_to": 0.60,  # the paper's peak student R² on Concrete ("nearly 0.60")
    "peak_tol": 0.10,  # how far our standard and peak R² may be from the paper's
    "min_gain": 0.2,  # R² gain over λ = 0 that counts as a large peak elsewhere
    "tol": _competence.TOLERANCE,  # the competence rule on the λ = 0 teacher and students
}

RULES = {
    "teacher": ("On the focus data set, the largest drop of the teacher's test R² below the standard "
                "teacher over λ > 0, max(R²(0) - R²(λ)): at most {drop_tol:g} reproduced, at most "
                "{drop_loose:g} partly reproduced, larger not reproduced; inconclusive if the λ = 0 "
                "teacher is not competent (more than {tol:g} R² below the standardized-target teacher "
                "at λ = 0, same data set and seed). A 'not reproduced' stands only if the 95 % "
                "bootstrap interval over seeds of the teacher's paired change at the λ of the largest "
                "drop lies below -{drop_tol:g} (the outcome rule's non-inferiority reading); otherwise "
                "the verdict is inconclusive (one run has no interval: chapter 08 repeats it over "
                "seeds)."),
    "peak": ("Under the SR reading that reproduces the pattern of the paper's Table 6: reproduced if "
             "the best λ > 0 is {peak_lam:g} and the standard and peak R² are both within "
             "{peak_tol:.2f} of the paper's {peak_from:.2f} and {peak_to:.2f}; partly reproduced if "
             "some λ > 0 gains at least {min_gain:g} in R² over λ = 0 (a large peak, elsewhere or of "
             "another size); not reproduced otherwise; inconclusive if that reading's λ = 0 student "
             "is not competent (more than {tol:g} R² below the paper's λ = 0 SR student (Table 2), "
             "seed mean of ours). A 'not reproduced' stands only if the 95 % bootstrap interval over "
             "seeds of the student's paired gain at the best λ > 0 excludes the paper's gain "
             "({peak_to:.2f} - {peak_from:.2f}); otherwise the verdict is inconclusive."),
}


#: the rule text of a verdict key with its thresholds filled in
rule = functools.partial(rule_text, RULES, THRESHOLDS)


def verdict_teacher_stable(curve: pd.Series, tol: float = THRESHOLDS["drop_tol"],
                           loose: float = THRESHOLDS["drop_loose"],
                           competence: pd.DataFrame | None = None, dataset: str | None = None) -> tuple[str, float]:
    """Claim: teacher R² does not degrade with λ.

    Rule on the largest drop below the λ = 0 teacher, max(R²(0) - R²(λ)) over λ > 0:
    <= ``tol`` reproduced, <= ``loose`` partly reproduced, larger not reproduced. With
    ``competence`` (kind ``"teacher"``): inconclusive if ``dataset``'s λ = 0 teacher is
    not competent.
    """
    if dataset is not None and not competent_cells(competence, pd.DataFrame({"dataset": [dataset]})).iloc[0]:
        return INCONCLUSIVE, math.nan
    drop = float(max(0.0, (curve.loc[0.0] - curve[curve.index > 0]).max()))
    verdict = REPRODUCED if drop <= tol else PARTLY if drop <= loose else NOT
    return verdict, drop


def verdict_concrete_peak(curve: pd.Series, paper_lam: float = THRESHOLDS["peak_lam"],
                          paper_from: float = THRESHOLDS["peak_from"], paper_to: float = THRESHOLDS["peak_to"],
                          tol: float = THRESHOLDS["peak_tol"], min_gain: float = THRESHOLDS["min_gain"],
                          competence: pd.DataFrame | None = None, reading: str | None = None,
                          dataset: str = "concrete") -> tuple[str, dict]:
    """Claim: the Concrete student peaks at λ = 0.001, rising from 0.10 to about 0.60.

    Rule: reproduced if the best λ > 0 is ``paper_lam`` and both the standard and the
    peak R² are within ``tol`` of the paper's; partly reproduced if some λ > 0 gains at
    least ``min_gain`` R² over λ = 0 (a large peak, elsewhere or of another size);
    otherwise not reproduced. With ``competence`` (kind ``"student"``): inconclusive if
    the λ = 0 student of (``reading``, ``dataset``) is not competent.
    """
    lam, best = best_lambda(curve)
    std = float(curve.loc[0.0])
    info = {"best_lam": lam, "standard": std, "best": best, "gain": best - std}
    if not competent_cells(competence, pd.DataFrame({"sr_reading": [reading], "dataset": [dataset]})).iloc[0]:
        return INCONCLUSIVE, dict(info, left_out=[(reading, dataset)])
    if (np.isclose(lam, paper_lam) and abs(std - paper_from) <= tol and abs(best - paper_to) <= tol):
        return REPRODUCED, info
    if np.isfinite(best - std) and best - std >= min_gain:
        return PARTLY, info
    return NOT, info


# --------------------------------------------------------------------------------------
# the focus data set's curves
# --------------------------------------------------------------------------------------
def focus_curves(sweep: pd.DataFrame, focus: str) -> pd.DataFrame:
    """:func:`distillkit.book.summaries.per_lambda` on the focus data set, noise-free rows."""
    from distillkit.book.summaries import per_lambda

    pl = per_lambda(sweep)
    return pl[(pl.dataset == focus) & np.isclose(pl.noise, 0.0)]


def teacher_curve(curves: pd.DataFrame, readings) -> pd.Series:
    """The teacher's test R² per λ (the teacher does not depend on the SR reading: the first's)."""
    return curves[curves.sr_reading == readings[0]].set_index("lam").teacher_r2.sort_index()


def student_curve(curves: pd.DataFrame, reading: str) -> pd.Series:
    """The SR student's test R² per λ under one reading."""
    return curves[curves.sr_reading == reading].set_index("lam").student_r2.sort_index()


def paper_curve(focus: str) -> pd.Series:
    """The paper's student R² per λ on ``focus`` (Table 6; empty where it has none)."""
    return paper.TABLE6[paper.TABLE6.dataset == focus].set_index("lam").student_r2


def competence_tables(sweep: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The competence rule on the λ = 0 teachers and on the λ = 0 students."""
    return (_competence.competence_table(sweep, "teacher", tol=THRESHOLDS["tol"]),
            _competence.competence_table(sweep, "student", tol=THRESHOLDS["tol"]))


def competence_display(sweep: pd.DataFrame, focus: str) -> pd.DataFrame:
    """The focus data set's λ = 0 students, screened by the competence rule, for display."""
    comp = competence_tables(sweep)[1]
    return _competence.competence_display(comp[comp.dataset == focus], "student")


def teacher_stable(curves: pd.DataFrame, readings, focus: str, comp_teacher=None) -> tuple[str, float]:
    """:func:`verdict_teacher_stable` on the focus data set's teacher, thresholds from :data:`THRESHOLDS`."""
    return verdict_teacher_stable(teacher_curve(curves, readings), tol=THRESHOLDS["drop_tol"],
                                  loose=THRESHOLDS["drop_loose"], competence=comp_teacher, dataset=focus)


def peaks(curves: pd.DataFrame, readings, focus: str, comp_student=None) -> dict[str, tuple[str, dict]]:
    """Per reading: :func:`verdict_concrete_peak` on the focus data set's student curve,
    thresholds from :data:`THRESHOLDS`."""
    t = THRESHOLDS
    return {r: verdict_concrete_peak(student_curve(curves, r), paper_lam=t["peak_lam"], paper_from=t["peak_from"],
                                     paper_to=t["peak_to"], tol=t["peak_tol"], min_gain=t["min_gain"],
                                     competence=comp_student, reading=r, dataset=focus)
            for r in readings}


def glues(sweep: pd.DataFrame, focus: str, readings) -> dict:
    """The numbers the chapter's prose uses (glued as ``ch2_<key>``), timing aside: the focus
    data set, the primary reading, the teacher's curve, the student's standard and best R²
    per reading, and the paper's."""
    curves = focus_curves(sweep, focus)
    comp_teacher, comp_student = competence_tables(sweep)
    teacher = teacher_curve(curves, readings)
    drop = teacher_stable(curves, readings, focus, comp_teacher)[1]
    pk = peaks(curves, readings, focus, comp_student)
    p6 = paper_curve(focus)
    out = {"focus": name_of(focus), "primary": primary_reading(sweep), "n_seeds": int(sweep.seed.nunique()),
           "teacher_lam0": float(teacher.loc[0.0]), "teacher_min": float(teacher.min()), "teacher_drop": drop}
    for name, get in (("student_std", lambda i: i["standard"]), ("student_best", lambda i: i["best"]),
                      ("student_best_lam", lambda i: fmt_lam(i["best_lam"]))):
        out.update({f"{name}_{r}": get(pk[r][1]) if r in pk else math.nan for r in SR_READINGS})
    out["paper_std"] = float(p6.loc[0.0]) if len(p6) else math.nan
    out["paper_best"] = float(p6.max()) if len(p6) else math.nan
    out["paper_best_lam"] = fmt_lam(best_lambda(p6)[0]) if len(p6) else "none"
    return out


# --------------------------------------------------------------------------------------
# training time (lone teacher fits)
# --------------------------------------------------------------------------------------
def timing_epochs(profile: str, epochs=None) -> tuple[int, int]:
    """(epochs each timed fit trains, the profile's training budget): ``epochs`` capped at
    the budget; None: the whole budget."""
    from distillkit.experiments.pipeline import resolve_config

    budget = int(resolve_config(profile)["epochs"])
    return (budget if epochs is None else min(int(epochs), budget)), budget


def lone_teacher_times(focus: str, profile: str, lams=None, seeds=None, penalties=("exact", "jacfwd"),
                       repeats: int = 3, epochs=None) -> pd.DataFrame:
    """:func:`distillkit.experiments.timing.training_times` with the chapter's parameters resolved: the
    profile's first seed, ``epochs`` capped at the budget (:func:`timing_epochs`)."""
    from distillkit.experiments.timing import training_times
    from distillkit.book.params import as_list, resolve_seeds

    return training_times(focus, lams=lams, penalties=as_list(penalties), repeats=int(repeats), profile=profile,
                          seed=resolve_seeds(profile, seeds)[0], epochs=timing_epochs(profile, epochs)[0])


def timing_caption(profile: str, repeats: int, epochs=None) -> str:
    """The caption of the overhead table."""
    return (f"Lone-teacher training time per epoch, median of {int(repeats)} fits "
            f"of {timing_epochs(profile, epochs)[0]} epochs")


def timing_glues(times: pd.DataFrame, overhead: pd.DataFrame, profile: str, repeats: int, epochs=None) -> dict:
    """The timing numbers the prose uses: the λ > 0 / λ = 0 ratio per penalty (``exact``,
    ``jacfwd``; NaN where not timed), the paper's, the device, the fits and epochs timed."""
    ratios = dict(zip(overhead.penalty, overhead.ratio))
    timed, budget = timing_epochs(profile, epochs)
    return {"ratio_exact": ratios.get("exact", math.nan), "ratio_jacfwd": ratios.get("jacfwd", math.nan),
            "paper_ratio": paper.TRAINING_OVERHEAD, "device": str(times.device.iloc[0]) if len(times) else "",
            "repeats": int(repeats), "timing_epochs": int(timed), "budget_epochs": int(budget)}


def failed_penalty_notes(overhead: pd.DataFrame) -> list[str]:
    """One Markdown sentence per penalty that could not train a lone teacher."""
    return [f"*The `{o.penalty}` penalty could not train a lone teacher in this build "
            f"(`{o.error[:200]}`); it is left out.*" for _, o in overhead[overhead.error != ""].iterrows()]


def figure(times: pd.DataFrame, overhead: pd.DataFrame, sweep: pd.DataFrame, focus: str):
    """Figure 2: training time, teacher R², student R² against λ on the focus data set."""
    from distillkit.book.plots import tradeoff_figure

    return tradeoff_figure(times, overhead, focus_curves(sweep, focus), focus)


# --------------------------------------------------------------------------------------
# verdicts
# --------------------------------------------------------------------------------------
def _arrow(info: dict, sep: str = " ") -> str:
    return f"{info['standard']:.2f} -> {info['best']:.2f} at λ{sep}={sep}{fmt_lam(info['best_lam'])}"


def seed_effects(sweep: pd.DataFrame, focus: str, reading: str, teacher_lam: float, student_lam: float) -> dict:
    """The outcome rule on the focus data set over seeds: the teacher's paired change at
    ``teacher_lam`` against the non-inferiority margin ``drop_tol``, and the ``reading``
    student's paired gain at ``student_lam`` against the paper's claimed gain (``peak_to -
    peak_from``). ``{"teacher": Outcome, "peak": Outcome}``; one seed gives no interval."""
    t = THRESHOLDS
    d = sweep[sweep.dataset == focus]
    d = d[np.isclose(d.noise, 0.0)] if "noise" in d else d
    out = {}
    for key, col, rd, lam, claim in (
            ("teacher", "teacher_r2", None, teacher_lam, Claim(t["drop_tol"], kind="noninferior", label="teacher")),
            ("peak", "student_r2", reading, student_lam,
             Claim(t["peak_to"] - t["peak_from"], kind="claimed", label="the paper's Concrete peak"))):
        g = d if rd is None else d[d.sr_reading == rd]
        g = g.drop_duplicates(["seed", "lam"]).pivot_table(index="seed", columns="lam", values=col)
        a = g[lam] if np.isfinite(lam) and lam in g else pd.Series(np.nan, index=g.index)
        eff = paired_effect(a, g[0.0] if 0.0 in g else a * np.nan, unit="seed",
                            label=f"{'teacher' if rd is None else 'student'} R² at λ = {fmt_lam(lam)} − λ = 0")
        out[key] = decide(eff, claim)
    return out


def verdicts(sweep: pd.DataFrame, focus: str, readings=SR_READINGS, primary: str | None = None) -> list[Verdict]:
    """The chapter's two verdicts (``teacher``, ``peak``), decided by :data:`RULES` on the focus
    data set; ``primary`` (default :func:`primary_reading`) is the reading the peak is judged
    under (the first of ``readings`` if it was not run)."""
    primary = primary_reading(sweep) if primary is None else primary
    curves = focus_curves(sweep, focus)
    comp_teacher, comp_student = competence_tables(sweep)
    teacher = teacher_curve(curves, readings)
    v_teacher, drop = teacher_stable(curves, readings, focus, comp_teacher)
    pk = peaks(curves, readings, focus, comp_student)
    judged = primary if primary in pk else readings[0]
    v_peak, peak = pk[judged]
    others = "; ".join(f"{r}: {_arrow(v[1], '')}" for r, v in pk.items() if r != judged)
    p6 = paper_curve(focus)
    t = THRESHOLDS
    note_teacher = _competence.competence_note(comp_teacher[comp_teacher.dataset == focus], "teacher", t["tol"])
    note_student = _competence.competence_note(comp_student[comp_student.dataset == focus], "student", t["tol"])
    worst = float((teacher.loc[0.0] - teacher[teacher.index > 0]).idxmax()) if (teacher.index > 0).any() else math.nan
    eff = seed_effects(sweep, focus, judged, worst, peak["best_lam"])
    v_teacher, v_peak = guarded(v_teacher, eff["teacher"]), guarded(v_peak, eff["peak"])
    return [
        Verdict("teacher", "Teacher accuracy does not degrade with λ", v_teacher, rule("teacher"),
                f"On {name_of(focus)} the teacher R² is {teacher.loc[0.0]:.3f} at λ = 0 and at least "
                f"{teacher.min():.3f} over the grid (largest drop {drop:.3f}); {eff['teacher'].text()}; "
                f"{note_teacher}.",
                paper="no degradation even at high λ", ours=f"largest drop {drop:.3f}",
                numbers={"lam0": float(teacher.loc[0.0]), "min": float(teacher.min()), "drop": drop},
                effects=effect_rows({"teacher": eff["teacher"]})),
        Verdict("peak", f"The Concrete student peaks at λ = {t['peak_lam']:g}, from {t['peak_from']:.2f} "
                f"to about {t['peak_to']:.2f}", v_peak, rule("peak"),
                f"Under the {judged} reading (the one matching Table 6) the student goes from "
                f"{peak['standard']:.2f} at λ = 0 to {peak['best']:.2f} at λ = {fmt_lam(peak['best_lam'])}"
                + (f"; {others}" if others else "") + f"; {eff['peak'].text()}; {note_student}.",
                paper=f"{p6.loc[0.0]:.2f} -> {p6.max():.2f} at λ = {t['peak_lam']:g}" if len(p6) else "",
                ours=f"{_arrow(peak)} ({judged})",
                numbers={"reading": judged, **{r: v[1] for r, v in pk.items()}},
                effects=effect_rows({judged: eff["peak"]})),
    ]
