"""distillkit: smooth MLP teachers distilled into symbolic-regression students.

A reproduction of "Teaching the Teacher" (arXiv 2507.22767) and a tool for your own data.
The public surface is the names in ``__all__``; they are loaded on first use, so
``import distillkit`` (and the command line) stays fast::

    from distillkit import load_dataset, split_dataset, MLPTeacher, make_student
    ds = load_dataset("concrete")
    sp = split_dataset(ds, seed=0)
    teacher = MLPTeacher(lam=0.1).fit(sp.X_train, sp.y_train)

Layers (see ARCHITECTURE.md): ``datasets``, ``penalties``, ``teacher``, ``students``,
``symbolic``, ``stats`` and ``experiments`` form the library; ``owndata`` and ``cli`` are the
user tools on top of it; ``book`` (chapters, verdicts, the builder) sits above everything
and nothing below imports it.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: public name -> module that defines it
_PUBLIC = {
    # data
    "load_dataset": "distillkit.datasets", "list_datasets": "distillkit.datasets",
    "split_dataset": "distillkit.datasets", "from_frame": "distillkit.datasets",
    "from_csv": "distillkit.datasets", "Dataset": "distillkit.datasets",
    "Split": "distillkit.datasets", "DataError": "distillkit.datasets",
    "DATASETS": "distillkit.datasets",
    # estimators
    "MLPTeacher": "distillkit.teacher", "fit_teacher_ensemble": "distillkit.teacher",
    "SymbolicStudent": "distillkit.students", "OperonStudent": "distillkit.students",
    "TreeStudent": "distillkit.students", "make_student": "distillkit.students",
    # experiments
    "run": "distillkit.experiments.pipeline", "run_grid": "distillkit.experiments.sweep",
    # your own data
    "distill": "distillkit.owndata.distill", "write_report": "distillkit.owndata.distill",
    "DistilledRegressor": "distillkit.owndata",
}

__all__ = sorted(_PUBLIC) + ["__version__"]


def __getattr__(name: str):
    """Load a public name from its module on first use (PEP 562)."""
    if name not in _PUBLIC:
        raise AttributeError(f"module 'distillkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(_PUBLIC[name]), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))


def _import_tqdm_quietly() -> None:
    """pooch (imported by ``distillkit.datasets``) imports ``tqdm.auto``, which warns on
    stderr ("IProgress not found") in a Jupyter kernel without ipywidgets and then falls
    back to the text progress bar anyway. Import it once here with that one warning
    silenced."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="IProgress not found")
        try:
            import tqdm.auto  # noqa: F401
        except ImportError:  # pragma: no cover - tqdm is optional
            pass


_import_tqdm_quietly()
