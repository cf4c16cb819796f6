"""distillkit: Jacobian-regularized MLP teachers distilled into symbolic-regression students.

A reproduction of "Teaching the Teacher" (arXiv 2507.22767). Modules: ``data``
(datasets, splits), ``jacobian`` (the penalty), ``teacher`` (MLP teacher, ensembles),
``students`` (symbolic, tree, baselines), ``pipeline`` (one run), ``sweep`` (grids).
"""
__version__ = "0.1.0"
