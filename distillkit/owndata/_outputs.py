"""Outputs whole or absent: report files are written into a temporary folder next to
``--out`` and moved into place only when every one of them was written; an ``--out`` that
already holds a report is refused unless ``force``.

    with whole_or_absent(out_dir, force=False) as tmp:
        (tmp / "formula.py").write_text(...)
        (tmp / "model.json").write_text(...)

On an exception inside the block (a full disk, a bug in a figure) the temporary folder is
removed and ``out_dir`` is as it was. :func:`write_file_whole` does the same for one file
(the sweep's ``--out``).
"""
from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

#: the files of a report; an ``--out`` holding any of them holds a report
REPORT_FILES = ("report.html", "formula.py", "model.json")
#: room a report needs at least (its figures are embedded PNGs; a few MB at most)
REPORT_BYTES = 20 << 20


class OutputError(ValueError):
    """An output folder or file that cannot (or must not) be written."""


def existing_report(out_dir) -> list[str]:
    """The report files ``out_dir`` already holds."""
    out = Path(out_dir).expanduser()
    return [n for n in REPORT_FILES if (out / n).exists()] if out.is_dir() else []


def check_room(folder, need_bytes: int, what: str) -> None:
    """``folder`` (existing) is writable and has ``need_bytes`` free; else one-line OutputError."""
    folder = Path(folder)
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".distillkit-write-test-"):
            pass
        free = shutil.disk_usage(folder).free
    except OSError as exc:
        raise OutputError(f"cannot write {what} {folder}: {exc.strerror or exc}") from None
    if free < need_bytes:
        raise OutputError(f"{what} {folder} has {free / 2**20:.1f} MiB free; about "
                          f"{need_bytes / 2**20:.1f} MiB will be written there")


def check_out_dir(out_dir, force: bool = False, need_bytes: int = REPORT_BYTES) -> Path:
    """Fail now, not after the training: ``out_dir`` must be a folder (made if missing) that
    can be written, has room, and holds no report unless ``force``."""
    out = Path(out_dir).expanduser()
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out} is a file; give a folder")
    held = existing_report(out)
    if held and not force:
        raise OutputError(f"--out {out} already holds a report ({', '.join(held)}); pass --force "
                          "(force=True) to replace it, or choose another folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot write --out {out}: {exc.strerror or exc}") from None
    check_room(out, need_bytes, "--out")
    return out


@contextmanager
def whole_or_absent(out_dir, force: bool = False, need_bytes: int = REPORT_BYTES):
    """Yield a fresh temporary folder next to ``out_dir``; when the block ends without an
    exception its files are moved into ``out_dir`` (a new folder: renamed in one step),
    else it is removed and ``out_dir`` is untouched."""
    out = check_out_dir(out_dir, force, need_bytes)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        yield tmp
        if not force and existing_report(out):  # written meanwhile by someone else
            raise OutputError(f"--out {out} received a report while this one was made; pass --force")
        if not any(out.iterdir()):  # empty (made by the check): the whole folder in one rename
            out.rmdir()
            os.replace(tmp, out)
        else:  # each file in one rename; nothing is copied, so a full disk cannot cut one short
            for f in sorted(tmp.iterdir()):
                target = out / f.name
                if target.is_dir() and not f.is_dir():
                    raise OutputError(f"--out {out}: {f.name} is a folder there; remove it")
                if f.is_dir() and target.exists():
                    shutil.rmtree(target)
                os.replace(f, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_file_whole(path, write) -> Path:
    """Call ``write(tmp_path)`` on a temporary file next to ``path``, then rename it into place."""
    path = Path(path).expanduser()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.partial-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


__all__ = ["REPORT_FILES", "REPORT_BYTES", "OutputError", "existing_report", "check_room", "check_out_dir",
           "whole_or_absent", "write_file_whole"]
