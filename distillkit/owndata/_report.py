"""The report of :func:`distillkit.owndata.distill.distill`: ``report.html`` (a Jinja2 template,
math rendered by MathJax shipped next to it, no network), ``formula.py`` (a Jinja2 template:
numpy only) and ``model.json``."""
from __future__ import annotations

import base64
import io
import json
import keyword
from pathlib import Path

import numpy as np
import sympy

#: names formula.py uses itself; a column symbol with one of these names is renamed there
RESERVED = {"np", "numpy", "functools", "data", "columns", "predict", "_num", "_is", "_shape", "shape", "out",
            "missing", "math"}
#: the MathJax 3 bundle (SVG output: no font files needed), copied next to report.html
MATHJAX_FILE = "tex-svg.js"
#: a rendered line of the formula holds about this many LaTeX characters before it wraps
LINE_CHARS = 90


def _env():
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
    env = Environment(loader=PackageLoader("distillkit.owndata", "templates"), undefined=StrictUndefined,
                      autoescape=select_autoescape(["html", "html.j2"]), keep_trailing_newline=True)
    env.filters["pyrepr"] = repr
    return env


def mathjax_source() -> Path | None:
    """The MathJax 3 ``tex-svg.js`` of the ``django-static-mathjax`` package, or None."""
    try:
        from importlib.resources import files
        path = Path(str(files("mathjax"))) / "static" / "mathjax" / "es5" / MATHJAX_FILE
    except (ImportError, ModuleNotFoundError, TypeError):
        return None
    return path if path.is_file() else None


def _pack(pieces: list[str], width: int) -> list[str]:
    """Consecutive pieces joined into lines of about ``width`` characters."""
    lines, cur = [], ""
    for p in pieces:
        if cur and len(cur) + len(p) > width:
            lines.append(cur)
            cur = p
        else:
            cur = f"{cur} {p}" if cur else p
    return lines + [cur] if cur else lines


def _paren(lines: list[str]) -> list[str]:
    if len(lines) == 1:
        return [rf"\left({lines[0]}\right)"]
    return ([rf"\left({lines[0]}\right."] + [rf"\left.{x}\right." for x in lines[1:-1]]
            + [rf"\left.{lines[-1]}\right)"])


def latex_lines(expr, symbols: dict, width: int = LINE_CHARS) -> list[str]:
    """LaTeX of ``expr`` as lines of about ``width`` characters: sums break between terms,
    long products between factors (a long bracketed sum inside breaks too, with open
    delimiters); what cannot break (a long square root) stays one line, and the page
    scrolls it sideways rather than shrinking it."""
    from distillkit.owndata._formulas import latex
    text = latex(expr, symbols)
    if len(text) <= width:
        return [text]
    if isinstance(expr, sympy.Add):
        pieces = []
        for i, term in enumerate(expr.as_ordered_terms()):
            sub = latex_lines(term, symbols, width)
            if i and not sub[0].startswith("-"):
                sub[0] = "+ " + sub[0]
            pieces += sub
        return _pack(pieces, width)
    if isinstance(expr, sympy.Mul):
        pieces = []
        for i, factor in enumerate(expr.as_ordered_factors()):
            sub = latex_lines(factor, symbols, width)
            if isinstance(factor, sympy.Add):
                sub = _paren(sub)
            if i:
                sub[0] = r"\cdot " + sub[0]
            pieces += sub
        return _pack(pieces, width)
    return [text]


def wrapped_latex(expr, symbols: dict, target: str) -> str:
    """``target = expr`` as LaTeX in an ``aligned`` block, long formulas broken into lines
    (:func:`latex_lines`; MathJax 3 does not break lines itself); a ``max(0, u)`` formula
    shows ``u`` on its own lines."""
    from distillkit.owndata._formulas import latex_name
    lhs = latex_name(target)
    inner, clipped = expr, False
    if isinstance(expr, sympy.Max) and len(expr.args) == 2 and sympy.S.Zero in expr.args:
        inner, clipped = [a for a in expr.args if a != 0][0], True
    body = r" \\ &\quad ".join(latex_lines(inner, symbols))
    head = rf"{lhs} &= \max(0,\ u), \\ u &= " if clipped else rf"{lhs} &= "
    return r"\begin{aligned} " + head + body + r" \end{aligned}"


def formula_source(result) -> str:
    """The text of ``formula.py``: ``predict`` of the original columns, numpy only."""
    from sympy.printing.numpy import NumPyPrinter
    rename = {}
    for name in result.symbols:
        ident = name if name.isidentifier() and not keyword.iskeyword(name) else "v_" + name
        while ident in RESERVED or ident in rename.values():
            ident = "v_" + ident
        rename[name] = ident
    expr = result.formula.xreplace({sympy.Symbol(n): sympy.Symbol(v) for n, v in rename.items()})
    by_column = {c: n for n, c in result.symbols.items()}
    lines = []
    for col, spec in result.data["encodings"].items():
        if spec["kind"] == "numeric":
            lines.append(f"{rename[by_column[col]]} = _num(data[{col!r}])")
        else:
            for level, enc_col in zip(spec["levels"], spec["columns"]):
                lines.append(f"{rename[by_column[enc_col]]} = _is(data[{col!r}], {level!r})")
    scores = ", ".join(f"{k} {v:.4f}" for k, v in result.scores.items() if v is not None and np.isfinite(v))
    return _env().get_template("formula.py.j2").render(
        target=result.target, version=result.versions.get("distillkit", ""), source=result.data["source"],
        route=result.route, lam=result.chosen_lam, student=result.student, complexity=result.complexity,
        scores=scores, columns=list(result.data["columns"]), formula=str(result.formula), lines=lines,
        used=", ".join(rename.values()), code=NumPyPrinter({"fully_qualified_modules": True}).doprint(expr))


def _png(fig) -> str:
    import matplotlib.pyplot as plt
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def figures(result) -> dict:
    """Base64 PNGs: ``cv`` (per candidate, mean ± sd over folds), ``pareto``, ``pred``."""
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    figs = {}
    res = result.cv_results
    labels = ["direct" if r.route == "direct" else f"λ={r.lam:g}" for r in res.itertuples()]
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    x = np.arange(len(res))
    colors = ["C3" if c else ("C0" if r == "distilled" else "C2") for c, r in zip(res.chosen, res.route)]
    ax.errorbar(x, res.mean_r2, yerr=res.sd_r2, fmt="none", ecolor="0.5", capsize=4)
    ax.scatter(x, res.mean_r2, s=60, c=colors, zorder=3, edgecolors="k", linewidths=0.5)
    best = res.mean_r2.idxmax()
    ax.axhline(res.mean_r2[best] - np.nan_to_num(res.se_r2[best]), color="C3", ls=":", lw=1,
               label="best mean − its standard error")
    ax.set_xticks(x, labels, rotation=30)
    ax.set_ylabel(f"held-out R², {result.data['folds']} folds (mean ± sd)")
    ax.set_title("cross-validated candidates (red: chosen)")
    ax.legend(fontsize=8, loc="lower left")
    figs["cv"] = _png(fig)

    fig, ax = plt.subplots(figsize=(6, 3.8))
    p = result.pareto[np.isfinite(result.pareto.r2.astype(float))]
    ax.step(p.complexity, p.r2, where="post", color="0.6", zorder=1)
    ax.scatter(p.complexity, p.r2, s=45, color="C0", zorder=2, edgecolors="k", linewidths=0.5, label="front member")
    c = p[p.chosen]
    ax.scatter(c.complexity, c.r2, s=180, facecolors="none", edgecolors="C3", linewidths=2, zorder=3,
               label="reported formula")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("complexity (expression-tree nodes)")
    ax.set_ylabel("R² on the training rows")
    ax.set_title("Pareto front of the reported fit")
    ax.legend(fontsize=8, loc="lower right")
    figs["pareto"] = _png(fig)

    keys = [k for k in ("formula", "black_box", "teacher") if k in result.predictions]
    fig, axes = plt.subplots(1, len(keys), figsize=(4.2 * len(keys), 4), sharex=True, sharey=True, squeeze=False)
    y = result.predictions["y"]
    lo, hi = float(np.nanmin(y)), float(np.nanmax(y))
    for ax, key, col in zip(axes[0], keys, ("C0", "C2", "C1")):
        ax.scatter(y, result.predictions[key], s=22, alpha=0.7, color=col, edgecolors="k", linewidths=0.3)
        ax.plot([lo, hi], [lo, hi], color="k", lw=1)
        ax.set_xlabel(f"true {result.target}")
        ax.set_title(f"{key.replace('_', ' ')}: test R² {result.scores[key]:.3f}", fontsize=10)
    axes[0][0].set_ylabel(f"predicted {result.target}")
    figs["pred"] = _png(fig)
    return figs


def _fmt(v, spec=".4f") -> str:
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else format(v, spec)


def html(result, mathjax: str | None) -> str:
    """The text of ``report.html``; ``mathjax``: the script's path relative to the page, or None."""
    from distillkit.owndata.distill import clean
    res = result.cv_results
    folds = sorted(int(c[len("r2_fold"):]) for c in res.columns if c.startswith("r2_fold"))
    candidates = [{"route": r.route, "lam": "" if r.route == "direct" else f"{r.lam:g}", "mean": _fmt(r.mean_r2),
                   "sd": _fmt(r.sd_r2), "se": _fmt(r.se_r2), "folds": [_fmt(getattr(r, f"r2_fold{f}")) for f in folds],
                   "complexity": _fmt(r.mean_complexity, ".1f"), "teacher": _fmt(r.teacher_mean_r2),
                   "eligible": bool(r.eligible), "chosen": bool(r.chosen)} for r in res.itertuples()]
    labels = {"formula": "the formula", "direct": f"{result.student} fitted directly (no teacher)",
              "teacher": "teacher (network)", "black_box": "black box (gradient boosting, tuned)",
              "linear": "LinearRegression"}
    cv = result.cv_scores
    score_rows = [{"label": lab, "test": _fmt(result.scores.get(k)),
                   "cv": f"{_fmt(cv[k]['mean'])} ± {_fmt(cv[k]['sd'])}" if k in cv else ""}
                  for k, lab in labels.items() if k in result.scores]
    pareto = [{"complexity": int(p.complexity), "r2": _fmt(float(p.r2)), "finite": bool(p.finite),
               "chosen": bool(p.chosen), "formula": p.formula} for p in result.pareto.itertuples()]
    route = ("distilled from a teacher at λ = %g" % result.chosen_lam if result.route == "distilled"
             else "direct (the student fitted to the labels; no teacher)")
    from distillkit.owndata.distill import DistillResult  # noqa: F401 - the type rendered
    from distillkit.owndata._formulas import round_formula
    return _env().get_template("report.html.j2").render(
        r=result, d=result.data, reading=result.data.get("reading", {}), route_text=route,
        formula_text=str(round_formula(result.formula)),
        formula_tex=wrapped_latex(result.formula, result.symbols, result.target),
        direct_tex=wrapped_latex(result.estimator.direct_formula_, result.symbols, result.target)
        if result.estimator is not None else result.direct_formula_latex,
        folds=folds, candidates=candidates, score_rows=score_rows, pareto=pareto, figs=figures(result),
        mathjax=mathjax, settings_json=json.dumps(clean(result.settings), indent=1),
        versions_json=json.dumps(result.versions, indent=1))


def model_card(result) -> dict:
    record = result.to_dict()
    card = {k: record[k] for k in ("target", "route", "chosen_lam", "formula", "formula_latex", "complexity",
                                   "rule", "scores", "cv_scores", "flags", "direct", "cv_results", "pareto",
                                   "symbols", "settings", "versions")}
    card["columns"] = result.data["columns"]
    card["encodings"] = result.data["encodings"]
    card["data"] = {k: v for k, v in record["data"].items() if k != "encodings"}
    return card


def write_report(result, out_dir, force: bool = False) -> Path:
    """Write ``report.html`` (with ``tex-svg.js`` beside it), ``formula.py`` and ``model.json``
    into ``out_dir``: all of them or none (an existing report is replaced only with ``force``)."""
    import shutil
    from distillkit.owndata._outputs import whole_or_absent
    mj = mathjax_source()
    texts = {"formula.py": formula_source(result), "model.json": json.dumps(model_card(result), indent=2),
             "report.html": html(result, MATHJAX_FILE if mj else None)}  # all made before anything is written
    with whole_or_absent(out_dir, force=force) as tmp:
        for name, text in texts.items():
            (tmp / name).write_text(text, encoding="utf-8")
        if mj:
            shutil.copyfile(mj, tmp / MATHJAX_FILE)
    return Path(out_dir).expanduser()


__all__ = ["formula_source", "figures", "html", "model_card", "write_report", "wrapped_latex",
           "mathjax_source", "MATHJAX_FILE", "LINE_CHARS", "RESERVED"]
