"""distillkit: Jacobian-regularized MLP teachers distilled into symbolic-regression students.

A reproduction of "Teaching the Teacher" (arXiv 2507.22767). Modules: ``data``
(datasets, splits), ``jacobian`` (the penalty), ``teacher`` (MLP teacher, ensembles),
``students`` (symbolic, tree, baselines), ``pipeline`` (one run), ``sweep`` (grids).
"""
__version__ = "0.1.0"


def _import_tqdm_quietly() -> None:
    """pooch (imported by ``distillkit.data``) imports ``tqdm.auto``, which warns on stderr
    ("IProgress not found") in a Jupyter kernel without ipywidgets and then falls back to
    the text progress bar anyway. Import it once here with that one warning silenced."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="IProgress not found")
        try:
            import tqdm.auto  # noqa: F401
        except ImportError:  # pragma: no cover - tqdm is optional
            pass


_import_tqdm_quietly()
