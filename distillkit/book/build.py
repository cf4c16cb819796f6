"""Build the Jupyter Book: sync, execute (papermill), then ``jupyter-book build``.

Usage::

    python -m distillkit.book --profile smoke            # whole book
    python -m distillkit.book --profile paper --only 03_lambda_sweep
    python -m distillkit.book --no-execute                # rebuild HTML only

Layout of the output directory (``--out``, default ``_build``)::

    _build/src/               staging copy of the book source (what Sphinx sees)
    _build/src/notebooks/     executed notebooks (also partial ones after a failure)
    _build/results/           DISTILLKIT_RESULTS for the kernels (verdicts/*.json, ...)
    _build/timings.json       per-notebook wall time of the last run
    _build/_build/html/       the HTML book; open _build/_build/html/index.html

The protocol between the chapter notebooks and ``00_verdicts`` (results folder, parameter
check, verdict files, the table of contents) is :mod:`distillkit.book.protocol`.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable

from distillkit.book.protocol import (DEFAULT_OUT, REPO_ROOT, VERDICTS_NOTEBOOK, BookError, check_toc,
                                      toc_notebooks)

from distillkit.vocab import PROFILES  # noqa: E402


# --------------------------------------------------------------------------
# jupytext / kernel
# --------------------------------------------------------------------------
def _jupytext(args: list[str], root: Path) -> None:
    cmd = [sys.executable, "-m", "jupytext", "--quiet", *args]
    res = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
    if res.returncode != 0:
        raise BookError(
            f"jupytext failed: {' '.join(args)}\n{res.stdout}{res.stderr}".rstrip()
        )


def sync_notebooks(root: Path = REPO_ROOT) -> list[Path]:
    """``jupytext --sync`` every notebooks/*.py (pairing unpaired ones)."""
    import jupytext

    synced = sorted((root / "notebooks").glob("*.py"))
    for py in synced:
        nb = jupytext.read(py)
        formats = nb.metadata.get("jupytext", {}).get("formats", "")
        if "ipynb" not in formats:
            print(f"pairing {py.relative_to(root)} with .ipynb (jupytext --set-formats ipynb,py:percent)")
            _jupytext(["--set-formats", "ipynb,py:percent", str(py)], root)
    if synced:
        _jupytext(["--sync", *map(str, synced)], root)
    return synced


def ensure_kernel(out: Path) -> None:
    """Make sure kernel ``python3`` runs *this* interpreter (the venv's python).

    jupyter_client rewrites a bare ``python`` in a kernelspec to sys.executable;
    if the first python3 spec on the Jupyter path points somewhere else (e.g. a
    user-level spec), write an override under <out>/jupyter and put it first on
    JUPYTER_PATH.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec("python3")
        argv0 = spec.argv[0] if spec.argv else ""
    except NoSuchKernel:
        subprocess.run(
            [sys.executable, "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3"],
            check=True, capture_output=True,
        )
        return
    ok = argv0 in {"python", "python3", f"python{sys.version_info[0]}.{sys.version_info[1]}"}
    if not ok:
        try:
            ok = Path(argv0).resolve() == Path(sys.executable).resolve()
        except OSError:
            ok = False
    if ok:
        return
    kdir = out / "jupyter" / "kernels" / "python3"
    kdir.mkdir(parents=True, exist_ok=True)
    (kdir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (distillkit)",
        "language": "python",
    }, indent=1))
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [str(out / "jupyter")] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    )


# --------------------------------------------------------------------------
# execution
# --------------------------------------------------------------------------
def stage_sources(root: Path, src: Path) -> None:
    """Copy _config.yml, _toc.yml and book/ into the staging dir; book/_static (our CSS)
    goes to the book root's _static, where jupyter-book loads it on every page."""
    src.mkdir(parents=True, exist_ok=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(root / name, src / name)
    for sub in ("book", "_static"):
        if (src / sub).exists():
            shutil.rmtree(src / sub)
    shutil.copytree(root / "book", src / "book", ignore=shutil.ignore_patterns("_static"))
    if (root / "book" / "_static").is_dir():
        shutil.copytree(root / "book" / "_static", src / "_static")
    (src / "notebooks").mkdir(exist_ok=True)
    vendor_mathjax(src)


_MATHJAX_PARTS = ("tex-chtml.js", "input/tex", "output/chtml", "ui", "a11y", "adaptors", "core.js", "startup.js")


def vendor_mathjax(src: Path) -> bool:
    """Ship MathJax with the book, so math renders without a network.

    Copies the needed part of MathJax 3 (from the ``django-static-mathjax``
    wheel, if installed) into ``<src>/_mathjax/mathjax`` (an ``html_extra_path``,
    copied verbatim to ``html/mathjax``; not ``_static``, whose .js files
    jupyter-book would all load on every page) and points Sphinx's
    ``mathjax_path`` at it in the *staged* _config.yml. Without the package the
    book falls back to the CDN copy. Returns True if MathJax was vendored.
    """
    import yaml

    try:
        import mathjax  # provided by django-static-mathjax
    except ImportError:
        return False
    es5 = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    if not (es5 / "tex-chtml.js").is_file():
        return False
    cfg_path = src / "_config.yml"
    cfg = yaml.safe_load(cfg_path.read_text()) or {}
    sphinx_section = cfg.get("sphinx") or {}
    sphinx_cfg = sphinx_section.get("config") or {}
    if "mathjax_path" in sphinx_cfg:  # the user chose a MathJax; leave it alone
        return False
    dest = src / "_mathjax" / "mathjax"
    if not (dest / "tex-chtml.js").is_file():
        for part in _MATHJAX_PARTS:
            p = es5 / part
            if p.is_dir():
                shutil.copytree(p, dest / part, dirs_exist_ok=True)
            elif p.is_file():
                dest.mkdir(parents=True, exist_ok=True)
                shutil.copy2(p, dest / part)
    sphinx_cfg["mathjax_path"] = "../mathjax/tex-chtml.js"  # relative to html/_static
    sphinx_cfg["html_extra_path"] = list(sphinx_cfg.get("html_extra_path") or []) + ["_mathjax"]
    sphinx_section["config"] = sphinx_cfg
    cfg["sphinx"] = sphinx_section
    cfg_path.write_text(yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True))
    return True


def _cell_label(inp: Path, exc) -> str:
    """'cell 3 (In [5]: `first line`)', the index counted in the *source* notebook."""
    import nbformat

    idx = exc.cell_index
    try:
        nb = nbformat.read(inp, as_version=4)
        for i, c in enumerate(nb.cells):
            if c.cell_type == "code" and c.source.strip() == (exc.source or "").strip():
                idx = i
                break
    except Exception:  # pragma: no cover - best effort only
        pass
    first = next((ln.strip() for ln in (exc.source or "").splitlines() if ln.strip()), "")
    if len(first) > 60:
        first = first[:57] + "..."
    label = f"cell {idx}" if idx is not None else "a cell"
    parts = []
    if exc.exec_count is not None:
        parts.append(f"In [{exc.exec_count}]")
    if first:
        parts.append(f"`{first}`")
    return label + (f" ({': '.join(parts)})" if parts else "")


#: tags that already decide how a code cell shows; such cells are left as they are
_SHOW_TAGS = ("hide-input", "hide-output", "hide-cell", "remove-input", "remove-output",
              "remove-cell", "show-input")


def fold_code_cells(path: Path) -> int:
    """Tag every code cell of the executed notebook ``path`` ``hide-input``, so the page
    shows prose and results with each cell's code behind a "Show code cell source" toggle
    (cells tagged ``show-input``, or already tagged hide-/remove-, are left alone). The
    source notebooks stay untagged; returns the number of cells folded."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    folded = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.setdefault("tags", [])
        if not any(t in _SHOW_TAGS for t in tags):
            tags.append("hide-input")
            folded += 1
    nbformat.write(nb, str(path))
    return folded


def execute_notebook(name: str, root: Path, src: Path, profile: str, results: Path) -> float:
    """Execute notebooks/<name>.ipynb into <src>/notebooks/<name>.ipynb; returns seconds."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    inp = root / "notebooks" / f"{name}.ipynb"
    outp = src / "notebooks" / f"{name}.ipynb"
    if not inp.is_file():
        raise BookError(f"notebook notebooks/{name}.ipynb not found (is notebooks/{name}.py paired?)")
    declared = pm.inspect_notebook(str(inp))
    try:  # the kernel runs in the repo root: keep paths short and machine-independent
        results_param = str(results.relative_to(root))
    except ValueError:
        results_param = str(results)
    wanted = {"profile": profile, "results_dir": results_param}
    params = {k: v for k, v in wanted.items() if k in declared}
    if "profile" not in declared:
        print(" (warning: no `profile` in a cell tagged 'parameters')", end="", flush=True)
    t0 = time.perf_counter()
    try:
        pm.execute_notebook(
            str(inp), str(outp), parameters=params, kernel_name="python3",
            cwd=str(root), progress_bar=False, log_output=False, request_save_on_cell_execute=True,
            # silence the kernel's own log (e.g. the 'TCP without encryption' banner)
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
    except PapermillExecutionError as exc:
        dt = time.perf_counter() - t0
        first = (exc.evalue or "").strip().splitlines()
        raise BookError(
            f"FAILED notebooks/{name}: {_cell_label(inp, exc)} "
            f"raised {exc.ename}: {first[0] if first else ''} after {dt:.1f}s "
            f"-- partial notebook kept at {outp}"
        ) from None
    except Exception as exc:  # kernel died, bad notebook json, ...
        raise BookError(
            f"FAILED notebooks/{name}: {type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
            f" -- partial notebook (if any) at {outp}"
        ) from None
    fold_code_cells(outp)
    return time.perf_counter() - t0


#: every Sphinx warning fails the build (an unknown ``{glue:text}`` key, a broken reference,
#: a bad directive ...), all of them reported in one build rather than the first only
SPHINX_STRICT = ("-W", "--keep-going")


def build_html(src: Path, out: Path, extra_args: Iterable[str] = (), strict: bool = True) -> None:
    """``jupyter-book build`` the staging dir, warnings fatal (:data:`SPHINX_STRICT`) unless
    ``strict`` is False; the log goes to <out>/jupyter-book.log. Raises :class:`BookError` on a
    failed build, naming the warnings."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb) if jb.exists() else (shutil.which("jupyter-book") or "jupyter-book"),
           "build", str(src), "--path-output", str(out), "--builder", "html",
           *(SPHINX_STRICT if strict else ()), *extra_args]
    log = out / "jupyter-book.log"
    print("  $ " + " ".join(cmd), flush=True)
    with open(log, "w") as fh:
        res = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT)
    lines = log.read_text(errors="replace").splitlines()
    warnings = [re.sub(r"\x1b\[[0-9;]*m", "", ln) for ln in lines
                if re.search(r"\b(WARNING|ERROR|CRITICAL)\b", ln)]
    if res.returncode != 0:
        if warnings:
            print("\n".join("  " + ln for ln in warnings), file=sys.stderr)
            raise BookError(f"jupyter-book build failed on {len(warnings)} Sphinx warning(s) (warnings "
                            f"are errors: fix them); full log: {log}")
        print("\n".join(lines[-60:]), file=sys.stderr)
        raise BookError(f"jupyter-book build failed (exit {res.returncode}); full log: {log}")
    index = out / "_build" / "html" / "index.html"
    if not index.is_file():
        raise BookError(f"jupyter-book build finished but {index} is missing; full log: {log}")


def build(
    profile: str = "paper",
    only: list[str] | None = None,
    out: str | os.PathLike = DEFAULT_OUT,
    root: Path = REPO_ROOT,
    execute: bool = True,
    html: bool = True,
    sync: bool = True,
    jb_args: Iterable[str] = (),
) -> Path:
    """Sync, execute and build; returns the path of index.html (or the staging dir)."""
    root = Path(root).resolve()
    out = Path(out)
    out = (out if out.is_absolute() else root / out).resolve()
    src = out / "src"
    results = out / "results"
    t_start = time.perf_counter()

    check_toc(root)
    names = toc_notebooks(root)
    stray = sorted(p.stem for p in (root / "notebooks").glob("*.py") if p.stem not in names)
    if stray:
        print(f"note: not in _toc.yml, not executed: {', '.join(stray)}")
    if only:
        only = [re.sub(r"^notebooks/|\.(py|ipynb)$", "", o) for o in only]
        unknown = [o for o in only if o not in names]
        if unknown:
            raise BookError(f"--only: not in _toc.yml: {', '.join(unknown)} (known: {', '.join(names)})")

    if sync:
        sync_notebooks(root)
    stage_sources(root, src)

    os.environ["DISTILLKIT_RESULTS"] = str(results)
    os.environ["DISTILLKIT_PROFILE"] = profile
    os.environ.setdefault("DISTILLKIT_CACHE", str(root / "_cache" / "runs"))
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"  # Agg would hide figures
    results.mkdir(parents=True, exist_ok=True)

    timings: dict[str, float] = {}
    if execute:
        ensure_kernel(out)
        if only:
            # the verdict table summarises everything, so refresh it too
            todo = [n for n in names if n in only or n == VERDICTS_NOTEBOOK]
        else:
            todo = list(names)
            shutil.rmtree(results / "verdicts", ignore_errors=True)
        todo.sort(key=lambda n: (n == VERDICTS_NOTEBOOK, names.index(n)))  # verdicts last
        print(f"executing {len(todo)} notebook(s), profile={profile}, "
              f"DISTILLKIT_CACHE={os.environ['DISTILLKIT_CACHE']}", flush=True)
        for name in todo:
            print(f"  {name} ...", end="", flush=True)
            try:
                dt = execute_notebook(name, root, src, profile, results)
            except BookError:
                print(" FAILED", flush=True)
                _write_timings(out, profile, timings, None, time.perf_counter() - t_start, failed=name)
                raise
            timings[name] = round(dt, 2)
            print(f" {dt:7.1f} s", flush=True)

    # notebooks not executed this time: reuse an earlier executed copy, else the bare one
    bare = []
    for name in names:
        staged = src / "notebooks" / f"{name}.ipynb"
        if not staged.exists():
            shutil.copy2(root / "notebooks" / f"{name}.ipynb", staged)
            bare.append(name)
    if bare:
        print(f"note: rendered without outputs (never executed into {out}): {', '.join(bare)}; their "
              "glued numbers are missing, so Sphinx warnings are not fatal in this build. Run "
              "without --only once to render every page.", flush=True)

    t_html = None
    if html:
        t0 = time.perf_counter()
        build_html(src, out, jb_args, strict=not bare)
        t_html = round(time.perf_counter() - t0, 2)
        print(f"  jupyter-book build {t_html:7.1f} s")
    total = time.perf_counter() - t_start
    _write_timings(out, profile, timings, t_html, total)
    print(f"total {total:.1f} s; timings in {out / 'timings.json'}")
    if html:
        index = out / "_build" / "html" / "index.html"
        print(f"Book: {index}")
        return index
    return src


def _write_timings(out: Path, profile, timings, t_html, total, failed=None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    data = {
        "profile": profile,
        "notebooks_s": timings,
        "jupyter_book_build_s": t_html,
        "total_s": round(total, 2),
        "failed": failed,
        "finished_at": _dt.datetime.now().isoformat(timespec="seconds"),
    }
    (out / "timings.json").write_text(json.dumps(data, indent=2) + "\n")


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m distillkit.book",
        description="Execute the chapter notebooks with papermill and build the Jupyter Book.",
    )
    ap.add_argument("--profile", default="paper",
                    help="experiment profile passed to every notebook: smoke | paper | full (default: paper)")
    ap.add_argument("--only", nargs="+", metavar="NOTEBOOK",
                    help="execute only these notebooks (e.g. 03_lambda_sweep) plus 00_verdicts; "
                         "the others keep their last executed copy in <out>/src/notebooks")
    ap.add_argument("--out", default=DEFAULT_OUT, help="output directory (default: _build)")
    ap.add_argument("--root", default=str(REPO_ROOT), help=argparse.SUPPRESS)
    ap.add_argument("--no-execute", action="store_true", help="do not run notebooks; rebuild HTML from the staged copies")
    ap.add_argument("--no-build", action="store_true", help="execute notebooks but skip jupyter-book build")
    ap.add_argument("--no-sync", action="store_true", help="skip jupytext --sync")
    ap.add_argument("--all", action="store_true", help="pass --all to jupyter-book (rebuild every page)")
    args = ap.parse_args(argv)
    if args.profile not in PROFILES:
        print(f"note: profile {args.profile!r} is not one of {PROFILES}; passing it through", file=sys.stderr)
    try:
        build(
            profile=args.profile, only=args.only, out=args.out, root=Path(args.root),
            execute=not args.no_execute, html=not args.no_build, sync=not args.no_sync,
            jb_args=["--all"] if args.all else (),
        )
    except BookError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
