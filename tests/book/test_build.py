"""The book builder's plumbing: verdict files, toc checks, failure reporting."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from distillkit.book import build as book
from distillkit.book import protocol

ROOT = Path(__file__).resolve().parents[2]


def test_write_and_read_verdicts(tmp_path, monkeypatch):
    monkeypatch.setenv("DISTILLKIT_PROFILE", "smoke")
    p1 = protocol.write_verdict("Student R² improves by 120 % on average", "not reproduced",
                            "mean +12 % over 5 datasets", chapter="03_lambda_sweep",
                            results_dir=tmp_path, paper="+120 %", ours="+12 %")
    p2 = protocol.write_verdict("Teacher accuracy is unchanged", "reproduced", "ΔR² < 0.01",
                            chapter="02_regularization_tradeoffs", results_dir=tmp_path)
    assert p1.parent == tmp_path / "verdicts" and p1.suffix == ".json"
    assert json.loads(p1.read_text())["profile"] == "smoke"
    # same (chapter, claim) overwrites
    protocol.write_verdict("Teacher accuracy is unchanged", "partly reproduced", "x",
                       chapter="02_regularization_tradeoffs", results_dir=tmp_path)
    df = protocol.read_verdicts(tmp_path)
    assert list(df["chapter"]) == ["02_regularization_tradeoffs", "03_lambda_sweep"]
    assert df.loc[0, "verdict"] == "partly reproduced"
    assert df.loc[1, "paper"] == "+120 %"
    assert list(df.columns[:4]) == ["chapter", "claim", "verdict", "evidence"]
    assert p2.exists()


def test_read_verdicts_empty_and_env(tmp_path, monkeypatch):
    monkeypatch.setenv("DISTILLKIT_RESULTS", str(tmp_path))
    df = protocol.read_verdicts()
    assert df.empty and "verdict" in df.columns
    protocol.write_verdict("c", "inconclusive", "e", chapter="01_naive_pipeline")
    assert (tmp_path / "verdicts").is_dir() and len(protocol.read_verdicts()) == 1


def test_toc_lists_all_chapters():
    names = protocol.toc_notebooks(ROOT)
    assert names[0] == "00_verdicts"
    on_disk = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
    assert names == sorted(names) == on_disk


def _mini_repo(tmp_path: Path, notebooks: dict[str, str]) -> Path:
    root = tmp_path / "repo"
    (root / "book").mkdir(parents=True)
    (root / "notebooks").mkdir()
    (root / "_config.yml").write_text('title: mini\nexecute:\n  execute_notebooks: "off"\nonly_build_toc_files: true\n')
    toc = "format: jb-book\nroot: book/intro\nchapters:\n" + "".join(
        f"  - file: notebooks/{n}\n" for n in notebooks)
    (root / "_toc.yml").write_text(toc)
    (root / "book" / "intro.md").write_text("# Intro\n")
    for name, body in notebooks.items():
        (root / "notebooks" / f"{name}.py").write_text(textwrap.dedent(body).lstrip())
    return root


HEADER = """\
    # ---
    # jupyter:
    #   jupytext:
    #     formats: ipynb,py:percent
    #   kernelspec:
    #     display_name: Python 3
    #     language: python
    #     name: python3
    # ---

    # %% tags=["parameters"]
    profile = "paper"
    results_dir = None
"""


def test_missing_toc_notebook_is_a_clear_error(tmp_path):
    root = _mini_repo(tmp_path, {"01_ok": HEADER})
    (root / "_toc.yml").write_text((root / "_toc.yml").read_text() + "  - file: notebooks/02_missing\n")
    with pytest.raises(protocol.BookError, match=r"notebooks/02_missing"):
        protocol.check_toc(root)


@pytest.mark.slow
def test_failing_cell_stops_build_with_one_line(tmp_path):
    ok = HEADER + """
    # %%
    from distillkit.book.protocol import write_verdict
    write_verdict("claim A", "reproduced", f"profile={profile}", chapter="01_ok", results_dir=results_dir)
    """
    bad = HEADER.replace("    results_dir = None\n", "") + """
    # %%
    x = 1

    # %%
    raise ValueError("boom at " + profile)
    """
    root = _mini_repo(tmp_path, {"01_ok": ok, "02_bad": bad})
    res = subprocess.run(
        [sys.executable, "-m", "distillkit.book.build", "--root", str(root), "--profile", "smoke", "--no-build"],
        capture_output=True, text=True, timeout=300,
    )
    assert res.returncode != 0, res.stdout + res.stderr
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, res.stderr
    assert "notebooks/02_bad" in errors[0] and "cell 2" in errors[0] and "ValueError: boom at smoke" in errors[0]
    out = root / "_build"
    assert (out / "src" / "notebooks" / "02_bad.ipynb").is_file()  # partial notebook kept
    assert (root / "notebooks" / "01_ok.ipynb").is_file()  # paired by the sync step
    verdict = protocol.read_verdicts(out / "results")
    assert list(verdict["evidence"]) == ["profile=smoke"]
    timings = json.loads((out / "timings.json").read_text())
    assert timings["failed"] == "02_bad" and "01_ok" in timings["notebooks_s"]


def test_fold_code_cells_hides_code_but_keeps_explicit_tags(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_code_cell("profile = 'paper'", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("secret = 2", metadata={"tags": ["remove-cell"]}),
        nbformat.v4.new_code_cell("x", metadata={"tags": ["show-input"]}),
    ]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, str(path))
    assert book.fold_code_cells(path) == 2
    tags = [c.metadata.get("tags", []) for c in nbformat.read(str(path), as_version=4).cells]
    assert tags == [[], ["parameters", "hide-input"], ["hide-input"], ["remove-cell"], ["show-input"]]
    assert book.fold_code_cells(path) == 0  # idempotent


def _glue_page(path: Path, key: str) -> None:
    """A notebook page that glues ``known`` = 42 (as myst_nb.glue records it) and shows
    ``{glue:text}`key```."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    code = nbformat.v4.new_code_cell("glue('known', 42)")
    code.outputs = [nbformat.v4.new_output(
        "display_data", data={"application/papermill.record/text/plain": "42"},
        metadata={"scrapbook": {"name": "known", "mime_prefix": "application/papermill.record/"}})]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# Page\n\nThe answer is {{glue:text}}`{key}`."), code]
    nbformat.write(nb, str(path))


def test_unknown_glue_key_fails_the_html_build(tmp_path):
    """A Sphinx warning (here: a {glue:text} key the page never glues) fails the book's HTML
    build, with the book's own _config.yml and the builder's own command line."""
    src, out = tmp_path / "src", tmp_path / "out"
    book.stage_sources(ROOT, src)
    (src / "_toc.yml").write_text("format: jb-book\nroot: notebooks/page\n")
    _glue_page(src / "notebooks" / "page.ipynb", "known")
    book.build_html(src, out)  # the glued key renders
    html = (out / "_build" / "html" / "notebooks" / "page.html").read_text()
    assert re.search(r"The answer is <span[^>]*>42</span>", html)
    _glue_page(src / "notebooks" / "page.ipynb", "no_such_key")
    with pytest.raises(protocol.BookError, match=r"1 Sphinx warning\(s\)"):
        book.build_html(src, out)
    assert "No key 'no_such_key' found in glue data" in (out / "jupyter-book.log").read_text()
    # `--only` on a fresh checkout renders never-executed pages bare: not fatal there
    book.build_html(src, out, strict=False)
    assert (out / "_build" / "html" / "notebooks" / "page.html").is_file()


# =============================================================================================
# Notebooks run by hand and papermill parameters (moved from tests/test_hardening.py, issue 12;
# helper B, issue 22)
# =============================================================================================
def test_hand_run_verdicts_do_not_touch_the_book_results(monkeypatch, tmp_path):
    monkeypatch.delenv("DISTILLKIT_RESULTS", raising=False)
    monkeypatch.setattr(protocol, "HAND_RESULTS", tmp_path / "hand")
    monkeypatch.setattr(protocol, "_warned_hand", False)
    with pytest.warns(UserWarning, match="DISTILLKIT_RESULTS is not set"):
        path = protocol.write_verdict("claim", "reproduced", "e", chapter="03_lambda_sweep")
    assert path.parent == tmp_path / "hand" / "verdicts"
    assert protocol.HAND_RESULTS != protocol.REPO_ROOT / protocol.DEFAULT_OUT / "results"
    monkeypatch.setenv("DISTILLKIT_RESULTS", str(tmp_path / "built"))
    assert protocol.results_root() == tmp_path / "built"


def test_check_parameters_names_the_typo():
    declared = 'profile = "paper"\nseeds = None\nresults_dir = None\n'
    ns = {"In": ["", declared, '# Parameters\nprofile = "smoke"\nseedz = 3\n', "check(...)"]}
    with pytest.raises(protocol.ParameterError) as err:
        protocol.check_parameters(ns)
    msg = str(err.value)
    assert "seedz (did you mean seeds?)" in msg and "profile, results_dir, seeds" in msg
    ns["In"][2] = '# Parameters\nprofile = "smoke"\nseeds = 3\n'
    protocol.check_parameters(ns)  # known names pass
    protocol.check_parameters({"In": ["", declared, "x = 1"]})  # no papermill: nothing to check
    protocol.check_parameters({})  # plain Python: nothing to check


def test_every_chapter_checks_its_parameters():
    """The cell after ``parameters`` checks them: ``Chapter(name, globals())`` does
    (distillkit.book.chapter), as ``check_parameters(globals())`` did before it."""
    import re

    checked = re.compile(r'Chapter\("(\d\d_\w+)", globals\(\)\)')
    for nb in sorted((ROOT / "notebooks").glob("[01]*.py")):
        cells = nb.read_text().split("# %%")
        i = next(k for k, c in enumerate(cells) if c.startswith(' tags=["parameters"]'))
        m = checked.search(cells[i + 1])
        assert m and m.group(1) == nb.stem, f"{nb.name}: the cell after 'parameters' must create Chapter({nb.stem!r}, globals())"


def test_papermill_typo_fails_the_notebook(tmp_path):
    pm = pytest.importorskip("papermill")
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    params = nbformat.v4.new_code_cell("profile = 'paper'\nseeds = None")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(
        "from distillkit.book.protocol import check_parameters\ncheck_parameters(globals())"),
        nbformat.v4.new_code_cell("raise SystemExit('the long default run started')")]
    nbformat.write(nb, tmp_path / "in.ipynb")
    with pytest.raises(pm.PapermillExecutionError) as err:
        pm.execute_notebook(str(tmp_path / "in.ipynb"), str(tmp_path / "out.ipynb"),
                            parameters={"seedz": 3}, kernel_name="python3", progress_bar=False,
                            cwd=str(ROOT))
    assert err.value.ename == "ParameterError" and "seedz" in err.value.evalue
