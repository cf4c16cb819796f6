"""One chapter of the book as the notebook sees it: parameters checked, numbers glued under
the chapter's prefix, tables shown, verdicts written, glued and shown by one call.

A chapter then reads::

    ch = Chapter("03_lambda_sweep", globals())      # checks papermill's parameters
    sweep = params.paper_sweep(profile, datasets, lams, seeds, sr_readings, n_jobs)
    ch.glue(improvement.glues(sweep))               # -> ch3_<name> for every entry
    ch.table(improvement.table2(sweep), caption="Table 2 ...")
    ch.publish(improvement.verdicts(sweep))         # -> ch3_<key>_verdict / _rule / _evidence

and its prose uses ``{glue:text}`ch3_<name>```. The prefix is ``ch`` plus the chapter's
number without leading zeros (``03_lambda_sweep`` -> ``ch3``), so glue names of two
chapters never collide on the verdict page.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from distillkit.book.build import check_parameters
from distillkit.book.show import glue as _glue
from distillkit.book.show import styled
from distillkit.book.verdict import Verdict, publish


def chapter_prefix(name: str) -> str:
    """``"03_lambda_sweep"`` -> ``"ch3"``."""
    m = re.match(r"(\d+)_", name)
    if not m:
        raise ValueError(f"a chapter name starts with its number, e.g. '03_lambda_sweep'; got {name!r}")
    return f"ch{int(m.group(1))}"


class Chapter:
    """The chapter ``name`` (its notebook's file stem) executing in ``namespace``.

    ``namespace`` is the notebook's ``globals()``: its parameters are checked against
    papermill's injected cell (:func:`distillkit.book.build.check_parameters`) and
    ``results_dir`` is read from it.
    """

    def __init__(self, name: str, namespace: Mapping | None = None):
        self.name = name
        self.prefix = chapter_prefix(name)
        namespace = {} if namespace is None else namespace
        check_parameters(dict(namespace))
        self.results_dir = namespace.get("results_dir")

    def glue(self, values: Mapping | None = None, **more) -> None:
        """Glue every entry as ``<prefix>_<key>`` (numpy scalars made plain Python)."""
        for key, value in {**(values or {}), **more}.items():
            _glue(f"{self.prefix}_{key}", value)

    def table(self, df, **styled_kw):
        """``df`` as the book shows tables (:func:`distillkit.book.show.styled`)."""
        return styled(df, **styled_kw)

    def publish(self, verdicts: list[Verdict]):
        """Write, glue (``<prefix>_<key>_verdict|_rule|_evidence``) and return the verdicts
        as a table to show (:func:`distillkit.book.verdict.publish`)."""
        return publish(verdicts, chapter=self.name, prefix=self.prefix, results_dir=self.results_dir)


__all__ = ["Chapter", "chapter_prefix"]
