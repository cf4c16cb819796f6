"""Static checks of the chapter notebooks: pairing, clean .ipynb, parameters, toc."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

jupytext = pytest.importorskip("jupytext")
nbformat = pytest.importorskip("nbformat")

from distillkit.book.protocol import toc_notebooks

ROOT = Path(__file__).resolve().parents[2]
NB_DIR = ROOT / "notebooks"
PY_FILES = sorted(NB_DIR.glob("*.py")) if NB_DIR.is_dir() else []
IPYNB_FILES = sorted(NB_DIR.glob("*.ipynb")) if NB_DIR.is_dir() else []

needs_notebooks = pytest.mark.skipif(
    not (PY_FILES or IPYNB_FILES), reason="notebooks/ is empty: no chapters written yet"
)


def _ids(paths):
    return [p.stem for p in paths]


def _cells(nb):
    """(cell_type, source) of every non-empty cell, whitespace-normalised."""
    out = []
    for c in nb.cells:
        src = "\n".join(line.rstrip() for line in c.source.strip().splitlines())
        if src or c.cell_type == "code":
            out.append((c.cell_type, src))
    return out


@needs_notebooks
@pytest.mark.parametrize("py", PY_FILES, ids=_ids(PY_FILES))
def test_py_has_paired_ipynb_in_sync(py):
    ipynb = py.with_suffix(".ipynb")
    assert ipynb.is_file(), f"{py.name} has no paired {ipynb.name}: run `jupytext --sync {py.relative_to(ROOT)}`"
    from_py = jupytext.read(py)
    from_ipynb = jupytext.read(ipynb)
    formats = from_py.metadata.get("jupytext", {}).get("formats", "")
    assert "ipynb" in formats, f"{py.name} is not paired (jupytext formats: {formats!r}); run `jupytext --set-formats ipynb,py:percent`"
    a, b = _cells(from_py), _cells(from_ipynb)
    if a != b:
        first = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        pytest.fail(f"{py.name} and {ipynb.name} are out of sync ({len(a)} vs {len(b)} cells, "
                    f"first difference at cell {first}): run `make sync`", pytrace=False)


@needs_notebooks
@pytest.mark.parametrize("ipynb", IPYNB_FILES, ids=_ids(IPYNB_FILES))
def test_ipynb_has_no_outputs(ipynb):
    assert ipynb.with_suffix(".py").is_file(), f"{ipynb.name} has no paired .py"
    nb = nbformat.read(ipynb, as_version=4)
    dirty = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, f"{ipynb.name}: cells {dirty} carry outputs or execution counts; clear them"


@needs_notebooks
@pytest.mark.parametrize("py", PY_FILES, ids=_ids(PY_FILES))
def test_one_parameters_cell_setting_profile(py):
    nb = jupytext.read(py)
    tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{py.name}: {len(tagged)} cells tagged 'parameters', expected exactly 1"
    cell = tagged[0]
    assert cell.cell_type == "code"
    assert re.search(r"^\s*profile\s*(:[^=]*)?=", cell.source, re.M), (
        f"{py.name}: the parameters cell does not set `profile`"
    )


@needs_notebooks
def test_toc_notebooks_exist():
    names = toc_notebooks(ROOT)
    assert names, "_toc.yml lists no notebooks"
    missing = [n for n in names if not (NB_DIR / f"{n}.py").is_file() or not (NB_DIR / f"{n}.ipynb").is_file()]
    assert not missing, f"listed in _toc.yml but missing notebooks/<name>.py or .ipynb: {missing}"


def test_toc_prose_pages_exist():
    from distillkit.book.protocol import toc_files

    missing = [f for f in toc_files(ROOT) if f.startswith("book/") and not (ROOT / f"{f}.md").is_file()]
    assert not missing, missing
