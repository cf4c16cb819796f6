"""The verdict page's pieces (distillkit.book.verdict_page) on a tiny book in tmp_path."""
from __future__ import annotations

import pytest

from distillkit.book import verdict_page as vp
from distillkit.book.protocol import VERDICTS, write_verdict

TOC = """format: jb-book
root: book/intro
parts:
  - chapters:
      - file: notebooks/00_verdicts
      - file: notebooks/01_first
      - file: notebooks/02_second
      - file: notebooks/03_third
"""


@pytest.fixture
def book(tmp_path, monkeypatch):
    """A book root with three chapters (01 with a heading, 02 without, 03 writing nothing)
    and a results folder; returns (root, results)."""
    monkeypatch.setenv("DISTILLKIT_PROFILE", "paper")
    root = tmp_path / "book"
    (root / "notebooks").mkdir(parents=True)
    (root / "_toc.yml").write_text(TOC)
    (root / "notebooks" / "01_first.py").write_text("# %% [markdown]\n# # The first chapter\n")
    (root / "notebooks" / "02_second.py").write_text("# %%\nx = 1\n")
    return root, tmp_path / "results"


def write(results, chapter, claim, verdict="reproduced", **extra):
    write_verdict(claim, verdict, f"evidence of {claim}", chapter, results_dir=results, **extra)


def test_chapter_title_reads_the_heading_else_the_name(book):
    root, _ = book
    assert vp.chapter_title("01_first", root) == "The first chapter"
    assert vp.chapter_title("02_second", root) == "second"
    assert vp.chapter_title("07_not_there", root) == "not there"


def test_cell_is_one_line_with_pipes_escaped():
    assert vp.cell("a |  b\n c") == "a \\| b c"
    assert vp.cell(None) == "" and vp.cell(float("nan")) == ""
    assert vp.cell(0.5) == "0.5"


def test_badge_per_verdict():
    assert "●" in vp.badge("reproduced") and "#1a7f37" in vp.badge("reproduced")
    assert "○" in vp.badge("not reproduced")
    assert "•" in vp.badge("something else")
    assert set(vp.STYLE) == set(VERDICTS)


def test_load_orders_by_toc_then_claim_and_adds_optional_columns(book):
    root, results = book
    write(results, "99_outside", "Z claim")
    write(results, "02_second", "B claim")
    write(results, "01_first", "Y claim")
    write(results, "01_first", "A claim")
    v = vp.load(results, root)
    assert list(zip(v.chapter, v.claim)) == [("01_first", "A claim"), ("01_first", "Y claim"),
                                             ("02_second", "B claim"), ("99_outside", "Z claim")]
    for col in vp.OPTIONAL:
        assert col in v and v[col].isna().all()
    assert "_order" not in v


def test_counts_every_verdict_of_the_vocabulary(book):
    root, results = book
    write(results, "01_first", "a", "reproduced")
    write(results, "01_first", "b", "reproduced")
    write(results, "02_second", "c", "not reproduced")
    c = vp.counts(vp.load(results, root))
    assert c == {"n_claims": 3, "n_chapters": 2, "n_reproduced": 2, "n_partly_reproduced": 0,
                 "n_not_reproduced": 1, "n_inconclusive": 0}
    assert all(type(x) is int for x in c.values())


def test_table_has_a_rule_column_and_links_toc_chapters(book):
    root, results = book
    write(results, "01_first", "A claim", paper="0.60", ours="0.31", rule="R² > 0.5 | else not")
    write(results, "99_outside", "B claim", "inconclusive")
    lines = vp.table(vp.load(results, root), root).splitlines()
    assert lines[0] == "| Claim | Paper reports | We measure | Rule | Verdict | Chapter |"
    assert lines[1].count("---") == 6
    assert lines[2].startswith("| A claim | 0.60 | 0.31 | R² > 0.5 \\| else not | <span")
    assert lines[2].endswith("| [01: The first chapter](01_first.ipynb) |")
    # no `ours`: the evidence stands in; no rule: an empty cell; outside the toc: no link
    assert lines[3].startswith("| B claim |  | evidence of B claim |  | <span")
    assert "? inconclusive" in lines[3] and lines[3].endswith("| 99_outside |")
    assert len(lines) == 4


def test_empty_page(book):
    root, results = book
    v = vp.load(results, root)
    assert v.empty and vp.table(v, root) == vp.EMPTY_NOTE
    assert vp.evidence(v) == "Nothing to show yet."
    assert vp.counts(v)["n_claims"] == 0
    assert vp.missing(v, root) == ["01_first", "02_second", "03_third"]


def test_notes_on_missing_chapters_profiles_and_smoke(book, monkeypatch):
    root, results = book
    write(results, "01_first", "a")
    write(results, "02_second", "b")
    v = vp.load(results, root)
    note = vp.notes(v, "paper", root)
    assert note.startswith("```{note}\nNo verdict from [03: third](03_third.ipynb):")
    assert "profile" not in note
    write(results, "03_third", "c")
    assert vp.notes(vp.load(results, root), "paper", root) is None
    note = vp.notes(vp.load(results, root), "smoke", root)
    assert "built with profile `smoke`, the verdicts with `paper`." in note
    assert "its numbers and verdicts mean nothing" in note
    monkeypatch.setenv("DISTILLKIT_PROFILE", "smoke")
    write(results, "03_third", "c")
    note = vp.notes(vp.load(results, root), "smoke", root)
    assert "`paper`, `smoke`" in note and "mean nothing" in note


def test_evidence_one_paragraph_per_claim(book):
    root, results = book
    write(results, "01_first", "A claim", "partly reproduced")
    write(results, "02_second", "B claim")
    paragraphs = vp.evidence(vp.load(results, root)).split("\n\n")
    assert len(paragraphs) == 2
    assert paragraphs[0].startswith("**A claim** (<span")
    assert "◐ partly reproduced" in paragraphs[0]
    assert paragraphs[0].endswith(", [01](01_first.ipynb)): evidence of A claim")


def _arm(arm, est, lo, hi, n, unit, outcome):
    return {"arm": arm, "estimate": est, "ci_lo": lo, "ci_hi": hi, "n": n, "unit": unit, "outcome": outcome,
            "claim": 0.01, "claim_kind": "sesoi", "label": "ΔR²", "level": 0.95}


def test_same_claim_side_by_side_names_the_strongest_evidence(book):
    root, results = book
    assert vp.same_claim(vp.load(results, root), root) is None  # nothing yet
    write(results, "01_first", "seeds", "partly reproduced", topic="smoothing_helps",
          effects=[_arm("converged", 0.004, 0.001, 0.007, 25, "(data set, seed) pair", "partly reproduced")])
    write(results, "02_second", "across", "inconclusive", topic="smoothing_helps",
          effects=[_arm("gplearn", 0.003, -0.02, 0.03, 20, "data set", "inconclusive"),
                   {**_arm("pct", 5.0, -3.0, 12.0, 5, "seed", "not reproduced"), "claim_kind": "claimed"}])
    write(results, "03_third", "alone", "reproduced")  # no topic: not grouped
    v = vp.load(results, root)
    md = vp.same_claim(v, root)
    assert md.count("| [0") == 2  # one row per comparable arm (the % arm is on another scale)
    assert "Strongest evidence: [01](01_first.ipynb) converged" in md and "**partly reproduced**" in md
    assert "[02](02_second.ipynb) gplearn: inconclusive (width 0.050, 20 × data set)" in md
    # a point interval (every unit equal) is shown, never the strongest; shared arms shown once
    write(results, "03_third", "point", "not reproduced", topic="smoothing_helps",
          effects=[_arm("p", 0.0, 0.0, 0.0, 30, "data set", "not reproduced")] * 2)
    md = vp.same_claim(vp.load(results, root), root)
    assert md.count("[03](03_third.ipynb) | p |") == 1 and "Strongest evidence: [01]" in md
    # a topic tested by one chapter only is not a comparison
    only = v[v.chapter != "02_second"]
    assert vp.same_claim(only, root) is None
