"""Outputs whole or absent (distillkit.owndata._outputs, issue 22)."""
import pytest

from distillkit.owndata import OutputError, REPORT_FILES, check_out_dir, whole_or_absent, write_file_whole


def test_files_arrive_together_in_a_new_folder(tmp_path):
    out = tmp_path / "sub" / "report"
    with whole_or_absent(out) as tmp:
        assert tmp.parent == out.parent and tmp != out
        for name in REPORT_FILES:
            (tmp / name).write_text(name)
        assert not any(out.iterdir())  # nothing in place before the block ends
    assert sorted(p.name for p in out.iterdir()) == sorted(REPORT_FILES)
    assert [p.name for p in out.parent.iterdir()] == ["report"]  # no temporary folder left


def test_a_failure_leaves_out_as_it_was(tmp_path):
    out = tmp_path / "r"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(OSError, match="No space left"):
        with whole_or_absent(out) as tmp:
            (tmp / "formula.py").write_text("x")
            raise OSError(28, "No space left on device")
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_a_report_is_not_replaced_without_force(tmp_path):
    out = tmp_path / "r"
    with whole_or_absent(out) as tmp:
        (tmp / "report.html").write_text("old")
    with pytest.raises(OutputError, match=r"already holds a report \(report.html\); pass --force"):
        with whole_or_absent(out):
            pass
    with whole_or_absent(out, force=True) as tmp:
        (tmp / "report.html").write_text("new")
        (tmp / "model.json").write_text("{}")
    assert (out / "report.html").read_text() == "new" and (out / "model.json").exists()


def test_unwritable_or_full_out_is_refused_before_the_work(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputError, match="is a file"):
        check_out_dir(tmp_path / "file")
    with pytest.raises(OutputError, match="cannot write"):
        check_out_dir("/proc/distillkit-report")
    with pytest.raises(OutputError, match=r"MiB free; about .* MiB will be written"):
        check_out_dir(tmp_path / "r", need_bytes=2**62)


def test_write_file_whole(tmp_path):
    path = tmp_path / "runs.csv"
    path.write_text("old")
    with pytest.raises(RuntimeError):
        write_file_whole(path, lambda p: (p.write_text("half"), (_ for _ in ()).throw(RuntimeError("disk"))))
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["runs.csv"]
    write_file_whole(path, lambda p: p.write_text("new"))
    assert path.read_text() == "new"
