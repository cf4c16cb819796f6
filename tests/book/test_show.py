"""How the book shows tables (distillkit.book.show)."""
from __future__ import annotations

import matplotlib
import pandas as pd

matplotlib.use("Agg")

from distillkit.book.chapters import lambda_sweep as improvement
from distillkit.book import show
from tests.sweeps import CURVES, fake_sweep  # noqa: E402


def test_styled_tables_one_precision_per_column_names_and_no_row_numbers():
    t2 = improvement.table2(fake_sweep(CURVES))
    html = show.styled(t2).to_html()
    assert "0.100" in html and "0.18" in html and "0.180" in html  # R² with λ=0 in its name: 3 decimals
    df = pd.DataFrame({"dataset": ["concrete", "wine_red"], "student R²": [0.1, 0.324835]})
    html = show.styled(df).to_html()
    assert "Concrete Strength" in html and "0.325" in html and "0.324835" not in html
    assert 'class="row_heading' not in html  # no pandas row numbers
    assert show.paper_names(df.set_index("dataset")).index[1] == "Wine Quality Red"


def test_counts_are_shown_as_integers():
    html = show.styled(pd.DataFrame({"cells": [15, 3], "undecided": [1, 0]})).to_html()
    assert ">15<" in html and "15.000" not in html
