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
import pandas as pd
from sklearn.metrics import r2_score

from .data import Dataset, Split, load_dataset, split_dataset
from .settings import check_setting
from .students import SR_READINGS, SymbolicStudent, TreeStudent, linear_baseline, xgboost_baseline
from .teacher import MLPTeacher, _check_lam, fit_teacher_ensemble

PAPER_LAMS = (0.0, 0.001, 0.01, 0.05, 0.1, 0.5)
SR_SEED_BASE = 42  # paper Table 5; seed s uses SR random_state 42 + s
SR_DRAW_STRIDE = 10_000  # extra SR draws (selection-bias control) use disjoint random states

#: every budget and open choice, with the paper's values (Table 5) as defaults
BASE_CONFIG = {
    # teacher
    "hidden_layer_sizes": (100,), "epochs": 100, "batch_size": 128, "learning_rate": 1e-3,
    "penalty": "jacobian", "jacobian_method": "exact", "device": "auto",
    # symbolic student
    "population_size": 500, "generations": 30, "function_set": ("add", "sub", "mul", "div"),
    "parsimony_coefficient": 0.001, "stopping_r2": 0.01, "max_samples": 1.0,
    # data handling (choices the paper leaves open)
    "test_size": 0.2, "validation_size": 0.0, "scale_target": True,
    # other students and baselines
    "tree_leaves": 32, "baselines": True,
}

PROFILES = {
    "smoke": {"config": {"epochs": 3, "population_size": 60, "generations": 3},
              "lams": (0.0, 0.01, 0.5), "seeds": (0,), "robustness_seeds": 2},
    "paper": {"config": {}, "lams": PAPER_LAMS, "seeds": (0,), "robustness_seeds": 5},
    "full": {"config": {}, "lams": PAPER_LAMS, "seeds": tuple(range(10)), "robustness_seeds": 10},
}

TEACHER_KEYS = ("hidden_layer_sizes", "epochs", "batch_size", "learning_rate", "penalty", "jacobian_method")
SPLIT_KEYS = ("test_size", "validation_size", "scale_target")


def profile_settings(profile: str) -> dict:
    """The λ grid, seeds and budgets of a profile."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {sorted(PROFILES)}")
    return PROFILES[profile]


def resolve_config(profile: str = "paper", **overrides) -> dict:
    """The full configuration of a profile with ``overrides`` applied (unknown keys rejected)."""
    config = dict(BASE_CONFIG, **profile_settings(profile)["config"])
    unknown = set(overrides) - set(config)
    if unknown:
        raise ValueError(f"unknown setting(s) {sorted(unknown)}; known: {sorted(config)}")
    # typed and range-checked (distillkit.settings); a key without a schema entry is
    # typed after its default, so a newly added BASE_CONFIG key works unchanged
    for key, value in overrides.items():
        config[key] = check_setting(key, value, default=config[key])
    config["hidden_layer_sizes"] = tuple(int(h) for h in config["hidden_layer_sizes"])
    config["function_set"] = tuple(config["function_set"])
    _check_device(config.get("device", "auto"))
    return config


def _check_device(device: str) -> None:
    """A GPU asked for by name must exist (torch would fail deep inside training)."""
    if not isinstance(device, str) or not device.startswith(("cuda", "mps")):
        return
    import torch
    ok = torch.cuda.is_available() if device.startswith("cuda") else torch.backends.mps.is_available()
    if ok and device.startswith("cuda:"):
        ok = int(device.split(":", 1)[1]) < torch.cuda.device_count()
    if not ok:
        raise ValueError(f"device {device!r} is not available on this machine; use device=auto or cpu")


def versions() -> dict:
    import gplearn
    import sklearn
    import torch
    import xgboost

    from . import __version__
    return {"distillkit": __version__, "python": platform.python_version(), "numpy": np.__version__,
            "torch": torch.__version__, "gplearn": gplearn.__version__,
            "scikit-learn": sklearn.__version__, "xgboost": xgboost.__version__}


def _dataset(dataset) -> Dataset:
    if isinstance(dataset, Dataset):
        return dataset
    if isinstance(dataset, str):
        return load_dataset(dataset)
    raise TypeError(f"dataset must be a name or a distillkit.data.Dataset, got {type(dataset).__name__}")


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
    return split_dataset(_dataset(dataset), seed=int(seed), label_noise=float(noise), **kw)


def fit_teachers(dataset, seed: int, noise: float, lams, config: dict, progress=False):
    """All teachers of one (data set, seed, noise) group, trained as one ensemble."""
    split = make_split(dataset, seed, noise, config)
    params = {k: config[k] for k in TEACHER_KEYS}
    return fit_teacher_ensemble(split.X_train, split.y_train, list(lams), [int(seed)] * len(lams),
                                device=config["device"], progress=progress, **params)


def _r2(y, pred) -> float:
    pred = np.asarray(pred, dtype=np.float64)
    if not np.isfinite(pred).all():
        return float("-inf")
    return float(r2_score(y, pred))


def evaluate(dataset, lam: float, seed: int, noise: float, config: dict, teacher: MLPTeacher,
             sr_reading: str = "literal", sr_draw: int = 0) -> dict:
    """Distil ``teacher`` into the students and score everything on the test split."""
    split = make_split(dataset, seed, noise, config)
    ds = _dataset(dataset)
    record = {"dataset": ds.name, "lam": float(lam), "seed": int(seed), "noise": float(noise),
              "sr_reading": sr_reading, "sr_draw": int(sr_draw)}
    t_train, t_test = teacher.predict(split.X_train), teacher.predict(split.X_test)
    record.update(teacher_r2=_r2(split.y_test, t_test), teacher_train_r2=_r2(split.y_train, t_train),
                  teacher_seconds=float(teacher.fit_seconds_),
                  teacher_ensemble_size=int(teacher.ensemble_size_),
                  teacher_jacobian_sq=float(np.mean(teacher.jacobian_sq_norm(split.X_test))))

    sr_state = SR_SEED_BASE + int(seed) + SR_DRAW_STRIDE * int(sr_draw)
    student = SymbolicStudent(
        population_size=config["population_size"], generations=config["generations"],
        function_set=config["function_set"], sr_reading=sr_reading,
        stopping_r2=config["stopping_r2"], parsimony_coefficient=config["parsimony_coefficient"],
        max_samples=config["max_samples"], random_state=sr_state,
        feature_names=split.feature_names).fit(split.X_train, t_train)
    s_test = student.predict(split.X_test)
    # a protected-division formula can explode off the training range: count such points
    centre, spread = float(np.mean(t_train)), float(np.std(t_train)) or 1.0
    blown = np.abs(np.nan_to_num(s_test, nan=np.inf) - centre) > 10 * spread
    formula = student.formula_
    record.update(student_r2=_r2(split.y_test, s_test), student_fidelity_r2=_r2(t_test, s_test),
                  student_train_r2=_r2(split.y_train, student.predict(split.X_train)),
                  student_blowup_frac=float(blown.mean()), sr_random_state=sr_state,
                  formula=student.program_, formula_sympy=str(formula),
                  formula_latex=student.formula_latex_, complexity=student.complexity_,
                  sr_generations=student.generations_run_, student_seconds=student.fit_seconds_)
    if split.X_val is not None:
        record.update(teacher_val_r2=_r2(split.y_val, teacher.predict(split.X_val)),
                      student_val_r2=_r2(split.y_val, student.predict(split.X_val)))

    tree = TreeStudent(max_leaf_nodes=config["tree_leaves"], random_state=0).fit(split.X_train, t_train)
    record.update(tree_r2=_r2(split.y_test, tree.predict(split.X_test)),
                  tree_fidelity_r2=_r2(t_test, tree.predict(split.X_test)), tree_leaves=tree.n_leaves_)
    if config["baselines"]:
        xgb = xgboost_baseline(random_state=int(seed)).fit(split.X_train, split.y_train)
        lin = linear_baseline().fit(split.X_train, split.y_train)
        record.update(xgb_r2=_r2(split.y_test, xgb.predict(split.X_test)),
                      linear_r2=_r2(split.y_test, lin.predict(split.X_test)))
    record.update(n_train=len(split.y_train), n_test=len(split.y_test),
                  n_features=len(split.feature_names), scale_target=split.scale_target,
                  penalty=config["penalty"], jacobian_method=config["jacobian_method"],
                  config=json.dumps(config, sort_keys=True),
                  versions=json.dumps(versions(), sort_keys=True))
    return record


def run(dataset, lam: float = 0.0, seed: int = 0, noise: float = 0.0, profile: str = "paper",
        sr_reading: str = "literal", sr_draw: int = 0, teacher: MLPTeacher | None = None,
        **overrides) -> dict:
    """Run one cell: returns the record described in the module docstring.

    ``dataset`` is a bundled name (``distillkit.data.DATASETS``) or a
    :class:`~distillkit.data.Dataset` (``from_csv``/``from_frame``). ``noise`` is the
    label-noise level α (Gaussian, sd α·sd(y), training labels only).
    """
    lam = _check_lam(lam)
    if isinstance(noise, bool) or not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    if sr_reading not in SR_READINGS:
        raise ValueError(f"sr_reading must be one of {SR_READINGS}, got {sr_reading!r}")
    config = resolve_config(profile, **overrides)
    _dataset(dataset)  # fail early on an unknown name
    if teacher is None:
        t0 = time.perf_counter()
        (teacher,) = fit_teachers(dataset, seed, noise, [lam], config)
        teacher.fit_seconds_ = time.perf_counter() - t0
    record = evaluate(dataset, lam, seed, noise, config, teacher, sr_reading, sr_draw)
    record["profile"] = profile
    return record


__all__ = ["PAPER_LAMS", "PROFILES", "BASE_CONFIG", "profile_settings", "resolve_config", "run",
           "evaluate", "fit_teachers", "make_split", "versions", "dataset_key"]
