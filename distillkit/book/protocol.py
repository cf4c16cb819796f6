"""The small protocol between the chapter notebooks, the verdict page and the builder: where
results go, which parameters a chapter may take, how a verdict is written and read back, and
which notebooks the table of contents names.
"""

from __future__ import annotations

import datetime as _dt
import sys
import json
import os
import re
from pathlib import Path


REPO_ROOT = Path(__file__).resolve().parents[2]


DEFAULT_OUT = "_build"


VERDICTS_NOTEBOOK = "00_verdicts"


#: The verdict vocabulary; write_verdict rejects anything else.
VERDICTS = ("reproduced", "partly reproduced", "not reproduced", "inconclusive")


class BookError(RuntimeError):
    """A problem that should end the build with one clear message."""


def html_dir(out: str | os.PathLike = DEFAULT_OUT, root: Path = REPO_ROOT) -> Path:
    """Directory holding the built HTML (``<out>/_build/html``)."""
    out = Path(out)
    if not out.is_absolute():
        out = root / out
    return out / "_build" / "html"


#: where verdicts go when neither results_dir nor $DISTILLKIT_RESULTS names a folder, i.e. a
#: chapter run by hand (papermill, Jupyter): never the book's own <out>/results
HAND_RESULTS = REPO_ROOT / DEFAULT_OUT / "results-by-hand"
_warned_hand = False


def results_root(results_dir: str | os.PathLike | None = None) -> Path:
    """Resolve the results directory: argument > $DISTILLKIT_RESULTS > :data:`HAND_RESULTS`.

    The book builder sets ``$DISTILLKIT_RESULTS`` to ``<out>/results``; a chapter run
    by hand without it writes to ``<repo>/_build/results-by-hand`` (with a warning once),
    so it cannot overwrite the verdicts of the last book build.
    """
    global _warned_hand
    if results_dir is not None:
        return Path(results_dir)
    env = os.environ.get("DISTILLKIT_RESULTS")
    if env:
        return Path(env)
    if not _warned_hand:
        _warned_hand = True
        import warnings
        warnings.warn(f"DISTILLKIT_RESULTS is not set: verdicts go to {HAND_RESULTS}, not the "
                      "book's _build/results (set DISTILLKIT_RESULTS or results_dir to choose)",
                      stacklevel=3)
    return HAND_RESULTS


class ParameterError(ValueError):
    """A papermill parameter that the notebook does not declare."""


def _assigned_names(source: str) -> list[str]:
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign) else [])
        names += [t.id for t in targets if isinstance(t, ast.Name)]
    return names


def check_parameters(namespace: dict) -> None:
    """Fail on a papermill parameter the notebook does not declare (``-p seedz 3``).

    Call ``check_parameters(globals())`` in the first code cell after the cell tagged
    ``parameters``. Papermill only warns about an unknown name and then runs the long
    default; this raises :class:`ParameterError` naming the unknown parameter(s) and the
    declared ones instead. It reads IPython's input history (``In``): the cell papermill
    injects starts with ``# Parameters``; the names assigned in cells before it are the
    declared ones. Outside IPython, or without injected parameters, it does nothing.
    """
    history = namespace.get("In")
    if not isinstance(history, list):
        return
    injected = [i for i, src in enumerate(history[:-1] if history else [])
                if isinstance(src, str) and src.lstrip().startswith("# Parameters\n")]
    if not injected:
        return
    i = injected[-1]
    declared = sorted({n for src in history[:i] if isinstance(src, str) for n in _assigned_names(src)})
    unknown = [n for n in _assigned_names(history[i]) if n not in declared]
    if unknown:
        import difflib

        def hint(name):
            close = difflib.get_close_matches(name, declared, n=1)
            return f"{name} (did you mean {close[0]}?)" if close else name
        raise ParameterError(
            f"unknown notebook parameter(s): {', '.join(hint(n) for n in unknown)}; "
            f"this notebook takes: {', '.join(declared) or 'none'}"
        )


def _slug(text: str, maxlen: int = 80) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s[:maxlen].rstrip("-") or "verdict"


def write_verdict(
    claim: str,
    verdict: str,
    evidence: str,
    chapter: str,
    results_dir: str | os.PathLike | None = None,
    **extra,
) -> Path:
    """Record the verdict on one claim of the paper; returns the JSON path.

    Writes ``<results>/verdicts/<slug(chapter + claim)>.json`` where
    ``<results>`` is *results_dir*, else ``$DISTILLKIT_RESULTS`` (set by the
    book builder), else ``<repo>/_build/results``. Writing the same
    (chapter, claim) again overwrites the file.

    *chapter* is the notebook name, e.g. ``"03_lambda_sweep"``; *verdict* should
    be one of :data:`VERDICTS`; *evidence* is one or two sentences with the
    numbers. Extra keyword arguments (e.g. ``paper="0.60"``, ``ours="0.31"``)
    must be JSON-serialisable and become extra columns in the summary table.
    """
    if not claim or not chapter:
        raise ValueError("write_verdict needs a non-empty claim and chapter")
    if verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {VERDICTS}, got {verdict!r}")
    out = results_root(results_dir) / "verdicts"
    out.mkdir(parents=True, exist_ok=True)
    record = {
        "chapter": str(chapter),
        "claim": str(claim),
        "verdict": str(verdict),
        "evidence": str(evidence),
        "profile": os.environ.get("DISTILLKIT_PROFILE", ""),
        "written_at": _dt.datetime.now().isoformat(timespec="seconds"),
    }
    for k, v in extra.items():
        record[k] = v
    path = out / f"{_slug(chapter + '-' + claim)}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=2, default=str) + "\n")
    tmp.replace(path)
    return path


def read_verdicts(results_dir: str | os.PathLike | None = None):
    """All verdicts as a pandas DataFrame sorted by chapter, then claim.

    Columns: chapter, claim, verdict, evidence, profile, written_at, plus any
    extra fields. Empty DataFrame (same columns) if no verdict was written.
    """
    import pandas as pd

    cols = ["chapter", "claim", "verdict", "evidence", "profile", "written_at"]
    vdir = results_root(results_dir) / "verdicts"
    rows = []
    for p in sorted(vdir.glob("*.json")) if vdir.is_dir() else []:
        try:
            rows.append(json.loads(p.read_text()))
        except (OSError, json.JSONDecodeError) as exc:  # pragma: no cover
            print(f"warning: skipping unreadable verdict {p}: {exc}", file=sys.stderr)
    df = pd.DataFrame(rows)
    for c in cols:
        if c not in df.columns:
            df[c] = pd.Series(dtype=object)
    extra = [c for c in df.columns if c not in cols]
    df = df[cols + extra]
    if len(df):
        df = df.sort_values(["chapter", "claim"], kind="stable").reset_index(drop=True)
    return df


def toc_files(root: Path = REPO_ROOT) -> list[str]:
    """All ``file:`` entries of _toc.yml (root first), without extension."""
    import yaml

    toc_path = root / "_toc.yml"
    if not toc_path.is_file():
        raise BookError(f"{toc_path} not found")
    toc = yaml.safe_load(toc_path.read_text())
    files: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for key in ("root", "file"):
                if isinstance(node.get(key), str):
                    files.append(node[key])
            for value in node.values():
                if isinstance(value, (list, dict)):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return [re.sub(r"\.(ipynb|md|py)$", "", f) for f in files]


def toc_notebooks(root: Path = REPO_ROOT) -> list[str]:
    """Notebook names (``NN_name``) listed in _toc.yml, in toc order."""
    return [f.split("/", 1)[1] for f in toc_files(root) if f.startswith("notebooks/")]


def check_toc(root: Path = REPO_ROOT) -> None:
    """Raise BookError naming every toc entry whose source file is missing."""
    missing = []
    for entry in toc_files(root):
        if entry.startswith("notebooks/"):
            if not any((root / f"{entry}{ext}").is_file() for ext in (".py", ".ipynb")):
                missing.append(f"{entry} (expected {entry}.py paired with {entry}.ipynb)")
        elif not any((root / f"{entry}{ext}").is_file() for ext in (".md", ".ipynb")):
            missing.append(f"{entry} (expected {entry}.md)")
    if missing:
        raise BookError(
            "_toc.yml lists files that do not exist:\n  - " + "\n  - ".join(missing)
        )
