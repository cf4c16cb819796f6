"""The report: Jinja2 templates, math only inside math elements (MathJax shipped next to the
page, no network), column names literal, long formulas broken into lines, one round of scores."""
import json
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
import sympy

from distillkit.owndata._report import MATHJAX_FILE, latex_lines, mathjax_source, wrapped_latex
from distillkit.owndata.distill import distill, write_report

TINY = dict(profile="smoke", progress=False, lams=[0.0], cv=2, epochs=3, operon_evaluations=2000,
            operon_population=50)


class _TextOutsideMath(HTMLParser):
    """Text of the page outside elements of class ``math`` (and outside scripts and styles)."""

    def __init__(self):
        super().__init__()
        self.stack, self.outside, self.inside = [], [], []

    def handle_starttag(self, tag, attrs):
        if tag in ("br", "img", "meta", "link", "hr", "input"):
            return
        classes = (dict(attrs).get("class") or "").split()
        self.stack.append((tag, "math" in classes or tag in ("script", "style")))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        (self.inside if any(m for _, m in self.stack) else self.outside).append(data)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"floor_area": rng.uniform(20, 100, 150), "heating_type": rng.choice(["gas", "oil"], 150)})
    df["monthly_rent"] = 9 * df.floor_area + 80 * (df.heating_type == "gas") + rng.normal(0, 5, 150)
    result = distill(df, "monthly_rent", **TINY)
    out = tmp_path_factory.mktemp("rep") / "report"
    write_report(result, out)
    return result, out, (out / "report.html").read_text(encoding="utf-8")


def test_no_raw_latex_outside_math_elements(report):
    _, _, html = report
    parser = _TextOutsideMath()
    parser.feed(html)
    outside, inside = "".join(parser.outside), "".join(parser.inside)
    for delim in ("\\(", "\\)", "\\[", "\\]", "\\frac", "\\mathrm", "\\begin"):
        assert delim not in outside, delim
    assert "\\[" in inside and "\\begin{aligned}" in inside  # the math is there, for MathJax


def test_mathjax_shipped_next_to_the_page(report):
    _, out, html = report
    if mathjax_source() is None:
        pytest.skip("django-static-mathjax is not installed")
    assert (out / MATHJAX_FILE).stat().st_size > 1_000_000
    assert f'src="{MATHJAX_FILE}"' in html and "http" not in html.split("<body", 1)[0]


def test_column_names_literal_and_formula_selectable(report):
    result, _, html = report
    # underscores escaped in the math (no subscripts), plain in the text copy
    assert r"\mathrm{floor\_area}" in html and "_{" not in html
    assert f'<div class="formula-text">monthly_rent = ' in html


def test_one_round_of_scores_and_every_candidate(report):
    result, out, html = report
    assert "validation R²" not in html and "refined" not in html
    for row in result.cv_results.itertuples():
        assert f"{row.mean_r2:.4f}" in html and f"{row.sd_r2:.4f}" in html
    assert html.count("data:image/png;base64,") == 3
    card = json.loads((out / "model.json").read_text())
    assert card["direct"]["formula"] and len(card["cv_results"]) == len(result.cv_results)
    if result.route == "distilled":
        assert "The direct route's formula (not chosen)" in html


def test_long_formulas_break_into_lines():
    x, y = sympy.symbols("x y")
    expr = sum(sympy.Float(1.2345 + i) * x ** i * sympy.exp(y / (i + 1)) for i in range(12))
    lines = latex_lines(expr, {"x": "x", "y": "y"}, width=60)
    assert len(lines) > 3 and max(len(line) for line in lines) < 120
    prod = (x + 2 * y + sum(sympy.Float(i + 0.5) * x ** i for i in range(2, 14))) * sympy.exp(y)
    assert len(latex_lines(prod, {"x": "x", "y": "y"}, width=60)) > 2
    tex = wrapped_latex(sympy.Max(0, expr), {"x": "x", "y": "y"}, "rent_eur")
    assert tex.startswith(r"\begin{aligned} \mathrm{rent\_eur} &= \max(0,\ u)") and r"\\" in tex


@pytest.mark.browser
def test_mathjax_renders_offline_in_chromium(report):
    import os
    import shutil
    import subprocess
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(chromium) or mathjax_source() is None:
        pytest.skip("needs chromium and django-static-mathjax")
    _, out, _ = report
    dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                          "--virtual-time-budget=10000", "--dump-dom", (out / "report.html").as_uri()],
                         capture_output=True, text=True, timeout=180).stdout
    assert dom.count("<mjx-container") >= 1  # MathJax ran from the file next to the page
    assert "\\begin{aligned}" not in dom.split("<body", 1)[1].split("<pre>", 1)[0]  # and replaced the source
