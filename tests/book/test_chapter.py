"""The chapter helper: prefix, glue names, verdicts written with their rule."""
import json

import pytest

from distillkit.book import chapter as chapter_mod
from distillkit.book.chapter import Chapter, chapter_prefix
from distillkit.book.verdict import Verdict


def test_prefix_is_the_chapter_number():
    assert chapter_prefix("03_lambda_sweep") == "ch3"
    assert chapter_prefix("11_smoothness_alignment") == "ch11"
    with pytest.raises(ValueError, match="starts with its number"):
        chapter_prefix("lambda_sweep")


def test_glue_prefixes_every_name(monkeypatch):
    seen = {}
    monkeypatch.setattr(chapter_mod, "_glue", lambda name, value: seen.__setitem__(name, value))
    ch = Chapter("03_lambda_sweep", {"results_dir": None})
    ch.glue({"a": 1}, b=2.5)
    assert seen == {"ch3_a": 1, "ch3_b": 2.5}


def test_publish_writes_the_rule(tmp_path, monkeypatch):
    monkeypatch.setattr("distillkit.book.verdict.glue", lambda *a, **k: None, raising=False)
    import distillkit.book.show as show
    monkeypatch.setattr(show, "glue", lambda *a, **k: None)
    ch = Chapter("03_lambda_sweep", {"results_dir": str(tmp_path)})
    v = Verdict(key="avg", claim="A claim", verdict="not reproduced", rule="ours > 10 %", evidence="ours 3 %")
    table = ch.publish([v])
    assert list(table.verdict) == ["not reproduced"]
    (written,) = (tmp_path / "verdicts").glob("*.json")
    record = json.loads(written.read_text())
    assert record["rule"] == "ours > 10 %" and record["chapter"] == "03_lambda_sweep"


def _row(outcome, lo, hi, claim, kind):
    return {"outcome": outcome, "ci_lo": lo, "ci_hi": hi, "claim": claim, "claim_kind": kind}


@pytest.mark.parametrize("row, refused", [
    (_row("not reproduced", -0.01, 0.02, 0.01, "sesoi"), True),          # the interval holds the SESOI
    (_row("not reproduced", -0.01, 0.005, 0.01, "sesoi"), False),
    (_row("not reproduced", 0.01, 0.05, 0.02, "nonsuperior"), True),     # holds a gain below 0.02
    (_row("not reproduced", 0.02, 0.05, 0.02, "nonsuperior"), False),
    (_row("not reproduced", -5.0, -0.5, -1.0, "nonsuperior"), True),     # direction -1: 0.5 fewer < 1
    (_row("not reproduced", -5.0, -1.0, -1.0, "nonsuperior"), False),
])
def test_a_verdict_refuses_not_reproduced_while_its_interval_holds_the_claim(row, refused):
    make = lambda: Verdict("k", "claim", "not reproduced", "rule", "evidence", effects=(row,))  # noqa: E731
    if refused:
        with pytest.raises(ValueError, match="while an interval holds the claim"):
            make()
    else:
        assert make().verdict == "not reproduced"


def test_guarded_keeps_not_reproduced_only_where_the_interval_excludes_the_claim():
    from distillkit.book.verdict import guarded
    from distillkit.stats import outcome as oc

    claim = oc.Claim(0.5, kind="claimed")
    one = oc.decide(oc.effect_from_units([0.05], unit="seed"), claim)  # one run: no interval
    few = oc.decide(oc.effect_from_units([0.05, 0.05, 0.05], unit="seed"), claim)  # excludes +0.5
    assert guarded("not reproduced", one) == "inconclusive"
    assert guarded("not reproduced", few) == "not reproduced"
    assert guarded("partly reproduced", one) == "partly reproduced"  # only "not reproduced" is guarded
    margin = oc.Claim(0.02, kind="noninferior")
    assert guarded("not reproduced", oc.decide(oc.effect_from_units([-0.2, -0.21, -0.19]), margin)) == "not reproduced"
    assert guarded("not reproduced", oc.decide(oc.effect_from_units([-0.2, 0.1, -0.05]), margin)) == "inconclusive"
