"""One cell of the paper: split, teacher, distil, evaluate, as a flat record.

``run("concrete", lam=0.001, seed=0)`` returns a dict with the teacher's and the
students' test R² and everything needed to trace the number back (formula, timings,
configuration, package versions). Budgets come from a *profile*:

``smoke``  tiny budgets for tests and CI (minutes for the whole book);
``paper``  the paper's Table 5 exactly, one seed, the paper's λ grid;
``full``   the paper's budgets with 10 seeds.

Any budget can be overridden by keyword (``run(..., epochs=20, generations=10)``).
"""
from __future__ import annotations

import hashlib
import json
import platform
import time
from functools import lru_cache

import numpy as np

from distillkit.stats.metrics import r2
import pandas as pd

from distillkit.datasets import Dataset, Split, load_dataset, split_dataset
# the profiles and configurations live in the torch-free profiles module; named here too, as the
# pipeline's settings (``pipeline.PROFILES``, ``pipeline.config_for``, ...)
from distillkit.experiments.profiles import (BASE_CONFIG, GROUND_TRUTH_CONFIG, GROUND_TRUTH_STUDENTS,  # noqa: F401
                                             PAPER_LAMS, PROFILES, SPLIT_KEYS, SR_DRAW_STRIDE, SR_SEED_BASE,
                                             TEACHER_KEYS, config_for, profile_settings, profile_sizes,
                                             resolve_config)
from distillkit.students import (SR_READINGS, STUDENTS, TreeStudent, linear_baseline, make_student, xgboost_baseline)
from distillkit.teacher import MLPTeacher, check_lam, fit_teacher_ensemble


def versions() -> dict:
    import gplearn
    import sklearn
    import torch
    import xgboost

    from distillkit import __version__
    return {"distillkit": __version__, "python": platform.python_version(), "numpy": np.__version__,
            "torch": torch.__version__, "gplearn": gplearn.__version__,
            "scikit-learn": sklearn.__version__, "xgboost": xgboost.__version__}


def dataset_of(dataset) -> Dataset:
    if isinstance(dataset, Dataset):
        return dataset
    if isinstance(dataset, str):
        return load_dataset(dataset)
    raise TypeError(f"dataset must be a name or a distillkit.datasets.Dataset, got {type(dataset).__name__}")


def dataset_key(dataset) -> str:
    """Name for a bundled data set; name plus content hash for a user's own."""
    if isinstance(dataset, str):
        return dataset
    digest = hashlib.sha256(pd.util.hash_pandas_object(
        pd.concat([dataset.X, dataset.y], axis=1), index=False).values.tobytes()).hexdigest()[:12]
    return f"{dataset.name}-{digest}"


@lru_cache(maxsize=64)
def _split_cached(name: str, seed: int, noise: float, test_size: float, validation_size: float,
                  scale_target: bool) -> Split:
    return split_dataset(load_dataset(name), seed=seed, test_size=test_size,
                         validation_size=validation_size, scale_target=scale_target,
                         label_noise=noise)


def make_split(dataset, seed: int, noise: float, config: dict) -> Split:
    kw = {k: config[k] for k in SPLIT_KEYS}
    if isinstance(dataset, str):
        return _split_cached(dataset, int(seed), float(noise), **kw)
    return split_dataset(dataset_of(dataset), seed=int(seed), label_noise=float(noise), **kw)


def fit_teachers(dataset, seed: int, noise: float, lams, config: dict, progress=False):
    """All teachers of one (data set, seed, noise) group, trained as one ensemble."""
    split = make_split(dataset, seed, noise, config)
    params = {k: config[k] for k in TEACHER_KEYS}
    return fit_teacher_ensemble(split.X_train, split.y_train, list(lams), [int(seed)] * len(lams),
                                device=config["device"], progress=progress, **params)


def check_student(student: str, sr_reading: str) -> str:
    """Validate a (student, SR reading) pair; returns the reading recorded for it.

    Operon always spends its whole budget, which is what the ``converged`` reading means
    for gplearn, so an Operon run is recorded as ``converged`` whatever was asked.
    """
    if student not in STUDENTS:
        raise ValueError(f"student must be one of {STUDENTS}, got {student!r}")
    if sr_reading not in SR_READINGS:
        raise ValueError(f"sr_reading must be one of {SR_READINGS}, got {sr_reading!r}")
    return "converged" if student == "operon" else sr_reading


def student_label(student: str, sr_reading: str) -> str:
    """Display name of a student variant: ``gplearn (literal)``, ``Operon``."""
    return "Operon" if student == "operon" else f"gplearn ({sr_reading})"


def build_student(student: str, sr_reading: str, random_state: int, config: dict, feature_names):
    """The symbolic student ``student`` with the budgets of ``config``."""
    if student == "operon":
        return make_student(
            "operon", function_set=config["operon_function_set"],
            max_evaluations=config["operon_evaluations"], population_size=config["operon_population"],
            max_length=config["operon_max_length"], optimizer_iterations=config["operon_iterations"],
            max_rows=config["operon_rows"], protected=config["operon_protected"],
            tolerance=config["operon_tolerance"],
            random_state=random_state, feature_names=feature_names)
    return make_student(
        "gplearn", population_size=config["population_size"], generations=config["generations"],
        function_set=config["function_set"], sr_reading=sr_reading,
        stopping_r2=config["stopping_r2"], parsimony_coefficient=config["parsimony_coefficient"],
        max_samples=config["max_samples"], random_state=random_state, feature_names=feature_names)


class DataUnitsStudent:
    """A student fitted on the data's own units, seen by the pipeline in standardized ones.

    ``fit(X_std, y_std)`` fits ``student`` on ``X_std * x_scale + x_mean`` against
    ``y_mean + y_scale * y_std``; ``predict(X_std)`` maps back, so every score is the
    same R² as in data units. ``formula_`` and friends are the student's: in data units
    and the data's column names, where a law such as ``q / C`` is two nodes, not a
    four-constant expression of standardized inputs.
    """

    def __init__(self, student, split: Split):
        self.student, self.split = student, split

    def _to_data(self, X):
        return np.asarray(X, dtype=np.float64) * self.split.x_scale + self.split.x_mean

    def fit(self, X, y):
        y_data = self.split.y_mean + self.split.y_scale * np.asarray(y, dtype=np.float64)
        self.student.fit(self._to_data(X), y_data)
        return self

    def predict(self, X):
        return (self.student.predict(self._to_data(X)) - self.split.y_mean) / self.split.y_scale

    def __getattr__(self, name):  # program_, formula_, complexity_, ... come from the student
        if name in ("student", "split"):
            raise AttributeError(name)
        return getattr(self.student, name)


def _fitted_student(student: str, sr_reading: str, sr_state: int, config: dict, split: Split, y_fit):
    model = build_student(student, sr_reading, sr_state, config, split.feature_names)
    if config["student_units"] == "data":
        model = DataUnitsStudent(model, split)
    return model.fit(split.X_train, y_fit)


def full_formula(student) -> "sympy.Expr":
    """The student's formula at full precision (gplearn's ``formula_`` is rounded for display)."""
    from distillkit.students import program_to_sympy
    inner = getattr(student, "student", student)
    if hasattr(inner, "symbols_"):  # Operon: formula_ is exact already
        return inner.formula_
    return program_to_sympy(inner.program_, inner.feature_names, simplify=False, digits=None)


def ground_truth(dataset, student, split: Split, config: dict, test_r2: float) -> dict:
    """``solution``, ``accuracy_solution``, ``true_formula`` for a feynman_* data set, else {}."""
    from distillkit.datasets.feynman import is_feynman
    name = dataset if isinstance(dataset, str) else getattr(dataset, "name", "")
    if not is_feynman(name):
        return {}
    from distillkit.symbolic.groundtruth import score_formula, to_data_units
    expr = full_formula(student)
    if config["student_units"] != "data":
        expr = to_data_units(expr, split)
    if not config["solution_timeout"]:  # not asked for: the symbolic check is the costly part
        from distillkit.symbolic.groundtruth import ACCURACY_R2
        from distillkit.datasets.feynman import equation
        return {"solution": None, "solution_kind": "not scored",
                "accuracy_solution": None if test_r2 is None else bool(test_r2 > ACCURACY_R2),
                "true_formula": str(equation(name).expr), "formula_compared": str(expr), "score_seconds": 0.0}
    scored = score_formula(expr, name, test_r2=test_r2)
    return {"solution": scored["solution"], "solution_kind": scored["solution_kind"],
            "undecided_reason": scored["undecided_reason"],
            "accuracy_solution": scored["accuracy_solution"], "true_formula": scored["true_formula"],
            "formula_compared": scored["formula_rounded"], "score_seconds": scored["score_seconds"]}


def _student_scores(student, split: Split, fit_targets, reference_test=None) -> dict:
    """Test/train/validation R², blow-ups and the formula of a fitted student."""
    s_test = student.predict(split.X_test)
    # a protected-division formula can explode off the training range: count such points
    centre, spread = float(np.mean(fit_targets)), float(np.std(fit_targets)) or 1.0
    blown = np.abs(np.nan_to_num(s_test, nan=np.inf) - centre) > 10 * spread
    out = dict(student_r2=r2(split.y_test, s_test),
               student_train_r2=r2(split.y_train, student.predict(split.X_train)),
               student_blowup_frac=float(blown.mean()), formula=student.program_,
               formula_sympy=str(student.formula_), formula_latex=student.formula_latex_,
               complexity=int(student.complexity_), sr_generations=int(student.generations_run_),
               student_seconds=float(student.fit_seconds_))
    if reference_test is not None:
        out["student_fidelity_r2"] = r2(reference_test, s_test)
    if split.X_val is not None:
        out["student_val_r2"] = r2(split.y_val, student.predict(split.X_val))
    return out


def _baselines(split: Split, seed: int, config: dict) -> dict:
    if not config["baselines"]:
        return {}
    xgb = xgboost_baseline(random_state=int(seed)).fit(split.X_train, split.y_train)
    lin = linear_baseline().fit(split.X_train, split.y_train)
    return dict(xgb_r2=r2(split.y_test, xgb.predict(split.X_test)),
                linear_r2=r2(split.y_test, lin.predict(split.X_test)))


def student_random_state(seed: int, sr_draw: int) -> int:
    return SR_SEED_BASE + int(seed) + SR_DRAW_STRIDE * int(sr_draw)


def _record_tail(split: Split, config: dict) -> dict:
    return dict(n_train=len(split.y_train), n_test=len(split.y_test), noise_scale=split.noise_scale,
                student_units=config["student_units"],
                n_features=len(split.feature_names), scale_target=split.scale_target,
                config=json.dumps(config, sort_keys=True), versions=json.dumps(versions(), sort_keys=True))


def evaluate(dataset, lam: float, seed: int, noise: float, config: dict, teacher: MLPTeacher,
             sr_reading: str = "literal", sr_draw: int = 0, student: str = "gplearn") -> dict:
    """Distil ``teacher`` into the students and score everything on the test split."""
    sr_reading = check_student(student, sr_reading)
    split = make_split(dataset, seed, noise, config)
    ds = dataset_of(dataset)
    record = {"dataset": ds.name, "lam": float(lam), "seed": int(seed), "noise": float(noise),
              "student": student, "sr_reading": sr_reading, "sr_draw": int(sr_draw), "distilled": True}
    t_train, t_test = teacher.predict(split.X_train), teacher.predict(split.X_test)
    record.update(teacher_r2=r2(split.y_test, t_test), teacher_train_r2=r2(split.y_train, t_train),
                  teacher_seconds=float(teacher.fit_seconds_),
                  teacher_ensemble_size=int(teacher.ensemble_size_),
                  teacher_jacobian_sq=float(np.mean(teacher.jacobian_sq_norm(split.X_test))))

    sr_state = student_random_state(seed, sr_draw)
    fitted = _fitted_student(student, sr_reading, sr_state, config, split, t_train)
    record.update(_student_scores(fitted, split, t_train, reference_test=t_test), sr_random_state=sr_state)
    record.update(ground_truth(dataset, fitted, split, config, record["student_r2"]))
    if split.X_val is not None:
        record["teacher_val_r2"] = r2(split.y_val, teacher.predict(split.X_val))

    tree = TreeStudent(max_leaf_nodes=config["tree_leaves"], random_state=0).fit(split.X_train, t_train)
    record.update(tree_r2=r2(split.y_test, tree.predict(split.X_test)),
                  tree_fidelity_r2=r2(t_test, tree.predict(split.X_test)), tree_leaves=tree.n_leaves_)
    record.update(_baselines(split, seed, config))
    record.update(_record_tail(split, config), penalty=config["penalty"],
                  jacobian_method=config["jacobian_method"])
    return record


def evaluate_direct(dataset, seed: int, noise: float, config: dict, sr_reading: str = "literal",
                    sr_draw: int = 0, student: str = "gplearn") -> dict:
    """The control with no teacher: the student fitted on the (noisy) training labels.

    Same split, same SR random state as the distilled cell of the same seed, so the only
    difference is what the student is fitted to. ``lam`` is NaN: no teacher exists.
    """
    sr_reading = check_student(student, sr_reading)
    split = make_split(dataset, seed, noise, config)
    ds = dataset_of(dataset)
    sr_state = student_random_state(seed, sr_draw)
    record = {"dataset": ds.name, "lam": float("nan"), "seed": int(seed), "noise": float(noise),
              "student": student, "sr_reading": sr_reading, "sr_draw": int(sr_draw), "distilled": False}
    fitted = _fitted_student(student, sr_reading, sr_state, config, split, split.y_train)
    record.update(_student_scores(fitted, split, split.y_train), sr_random_state=sr_state)
    record.update(ground_truth(dataset, fitted, split, config, record["student_r2"]))
    record.update(_baselines(split, seed, config))
    record.update(_record_tail(split, config))
    return record


def run(dataset, lam: float = 0.0, seed: int = 0, noise: float = 0.0, profile: str = "paper",
        sr_reading: str = "literal", sr_draw: int = 0, teacher: MLPTeacher | None = None,
        student: str = "gplearn", direct: bool = False, **overrides) -> dict:
    """Run one cell: returns the record described in the module docstring.

    ``dataset`` is a bundled name (``distillkit.datasets.DATASETS``) or a
    :class:`~distillkit.datasets.Dataset` (``from_csv``/``from_frame``). ``noise`` is the
    label-noise level α (Gaussian, sd α·sd(y), training labels only). ``student`` is
    "gplearn" (the paper's) or "operon"; ``direct=True`` fits it on the training labels
    with no teacher (the control; ``lam`` is then ignored).
    """
    lam = check_lam(lam)
    if isinstance(noise, bool) or not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    check_student(student, sr_reading)
    dataset_of(dataset)  # fail early on an unknown name
    config = config_for(dataset, profile, **overrides)
    if direct:
        record = evaluate_direct(dataset, seed, noise, config, sr_reading, sr_draw, student)
        record["profile"] = profile
        return record
    if teacher is None:
        t0 = time.perf_counter()
        (teacher,) = fit_teachers(dataset, seed, noise, [lam], config)
        teacher.fit_seconds_ = time.perf_counter() - t0
    record = evaluate(dataset, lam, seed, noise, config, teacher, sr_reading, sr_draw, student)
    record["profile"] = profile
    return record


__all__ = ["PAPER_LAMS", "PROFILES", "BASE_CONFIG", "profile_settings", "profile_sizes", "resolve_config", "run",
           "evaluate", "evaluate_direct", "config_for", "GROUND_TRUTH_CONFIG", "GROUND_TRUTH_STUDENTS", "DataUnitsStudent", "check_student", "student_label", "build_student", "fit_teachers", "make_split", "versions", "dataset_key"]
