"""The book's shape, on the smoke build (one build per test session, the ``smoke_book``
fixture of conftest.py, shared with the browser test): every chapter executes, every glued
name a chapter's prose uses is glued by that chapter, every verdict is well formed."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from distillkit.book.protocol import VERDICTS, VERDICTS_NOTEBOOK, toc_notebooks

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = toc_notebooks(ROOT)
# {glue:text}`name` or {glue:text}`name:.2f` (a format after the colon), {glue}`name`, ...
GLUE_ROLE = re.compile(r"\{glue(?::\w+)?\}`([^`:]+)(?::[^`]*)?`")
GLUE_DIRECTIVE = re.compile(r"^[`:]{3,}\{glue(?::\w+)?\}\s+(\S+)", re.M)


def glue_uses(source: str) -> set[str]:
    return set(GLUE_ROLE.findall(source)) | set(GLUE_DIRECTIVE.findall(source))


def glued_names(nb: dict) -> set[str]:
    """Names a myst-nb ``glue`` call recorded in an executed notebook's outputs."""
    return {o["metadata"]["scrapbook"]["name"] for c in nb["cells"] for o in c.get("outputs", [])
            if "scrapbook" in o.get("metadata", {})}


def test_glue_uses_parses_roles_and_formats():
    src = "a {glue:text}`ch1_x:.2f` b {glue}`ch1_y` c\n```{glue:figure} ch1_fig\n```\n"
    assert glue_uses(src) == {"ch1_x", "ch1_y", "ch1_fig"}


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_executes_under_smoke(smoke_book, name):
    nb = smoke_book / "src" / "notebooks" / f"{name}.ipynb"
    assert nb.is_file(), f"{name} was not executed"
    errors = [o for c in json.loads(nb.read_text())["cells"] for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors, f"{name}: {errors[0].get('ename')}: {errors[0].get('evalue')}"


@pytest.mark.parametrize("name", CHAPTERS)
def test_every_glue_key_is_glued(smoke_book, name):
    used = glue_uses((ROOT / "notebooks" / f"{name}.py").read_text())
    glued = glued_names(json.loads((smoke_book / "src" / "notebooks" / f"{name}.ipynb").read_text()))
    missing = sorted(used - glued)
    assert not missing, f"{name} uses glue names it never glues: {missing}"


def test_every_verdict_is_well_formed(smoke_book):
    files = sorted((smoke_book / "results" / "verdicts").glob("*.json"))
    records = [json.loads(p.read_text()) for p in files]
    chapters = {r["chapter"] for r in records}
    sources = {n: (ROOT / "notebooks" / f"{n}.py").read_text() for n in CHAPTERS if n != VERDICTS_NOTEBOOK}
    wanted = {n for n, src in sources.items() if "write_verdict(" in src or "publish(" in src}
    assert wanted <= chapters, f"no verdict written by {sorted(wanted - chapters)}"
    for p, r in zip(files, records):
        assert r["verdict"] in VERDICTS, f"{p.name}: verdict {r['verdict']!r}"
        assert str(r.get("evidence", "")).strip(), f"{p.name}: empty evidence"
        assert str(r.get("claim", "")).strip(), f"{p.name}: empty claim"
        assert str(r.get("rule", "")).strip(), f"{p.name}: no rule"


MAX_CODE_LINES = 15  # issue 13: a chapter reads as parameters -> one call per table or figure


@pytest.mark.parametrize("name", CHAPTERS)
def test_no_code_cell_is_long(name):
    import jupytext

    nb = jupytext.read(ROOT / "notebooks" / f"{name}.py")
    long = [(i, n) for i, c in enumerate(nb.cells) if c.cell_type == "code"
            and (n := len(c.source.strip().splitlines())) > MAX_CODE_LINES]
    assert not long, f"{name}: code cells longer than {MAX_CODE_LINES} lines (cell index, lines): {long}"
