"""One chapter of the book as the notebook sees it: parameters checked, numbers glued under
the chapter's prefix, tables shown, verdicts written, glued and shown by one call.

A chapter then reads::

    ch = Chapter("03_lambda_sweep", globals())      # checks papermill's parameters
    sweep = params.paper_sweep(profile, datasets, lams, seeds, sr_readings, n_jobs)
    ch.glue(improvement.glues(sweep))               # -> ch3_<name> for every entry
    ch.table(improvement.table2(sweep), caption="Table 2 ...")    # every table so
    ch.figure(improvement.figure3(sweep))                           # every figure so
    ch.publish(improvement.verdicts(sweep))         # -> ch3_<key>_verdict / _rule / _evidence

and its prose uses ``{glue:text}`ch3_<name>```. The prefix is ``ch`` plus the chapter's
number without leading zeros (``03_lambda_sweep`` -> ``ch3``), so glue names of two
chapters never collide on the verdict page.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from distillkit.book.protocol import check_parameters
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
    papermill's injected cell (:func:`distillkit.book.protocol.check_parameters`) and
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

    def table(self, df, **styled_kw) -> None:
        """Show ``df`` as the book shows every table (:func:`distillkit.book.show.styled`:
        numbers formatted, paper rows highlighted, an optional ``caption``)."""
        from IPython.display import display
        display(styled(df, **styled_kw))

    def figure(self, fig) -> None:
        """Show a matplotlib figure (once: it is closed afterwards, so the inline backend does
        not draw it a second time at the end of the cell)."""
        import matplotlib.pyplot as plt
        from IPython.display import display
        display(fig)
        plt.close(fig)

    def settings(self, values: Mapping, caption: str | None = None) -> None:
        """Show a settings mapping as a two-column table (setting, value) instead of a raw dict."""
        import pandas as pd
        frame = pd.DataFrame({"value": [_as_text(v) for v in values.values()]},
                             index=pd.Index(list(values), name="setting"))
        self.table(frame, caption=caption)

    def publish(self, verdicts: list[Verdict]):
        """Write, glue (``<prefix>_<key>_verdict|_rule|_evidence``) and return the verdicts
        as a table to show (:func:`distillkit.book.verdict.publish`)."""
        return publish(verdicts, chapter=self.name, prefix=self.prefix, results_dir=self.results_dir)


def _as_text(value) -> str:
    """A setting's value as one line of text (sequences comma-separated)."""
    if isinstance(value, (list, tuple)):
        return ", ".join(_as_text(v) for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


__all__ = ["Chapter", "chapter_prefix"]
