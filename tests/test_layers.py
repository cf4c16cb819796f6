"""The package's layers (pyproject.toml, [tool.importlinter]): the book on top, nothing below
imports it, chapters never import each other; and the public surface is what ``__all__`` says."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "distillkit"


def test_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    if not lint.exists():
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    res = subprocess.run([str(lint), "--config", str(ROOT / "pyproject.toml")], cwd=ROOT,
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert "0 broken" in res.stdout


def _imported_private_names():
    """(file, module, name) for every ``from distillkit... import _name`` in the package."""
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("distillkit"):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        yield str(path.relative_to(ROOT)), node.module, alias.name


def test_no_private_name_is_imported_across_modules():
    assert list(_imported_private_names()) == []


def test_public_api_names_resolve():
    import distillkit
    assert "__version__" in distillkit.__all__
    for name in distillkit.__all__:
        assert getattr(distillkit, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        distillkit.no_such_name  # noqa: B018


def test_importing_the_package_and_the_cli_loads_no_heavy_library():
    code = ("import sys, distillkit, distillkit.cli, distillkit.vocab, distillkit.stats.metrics\n"
            "heavy = [m for m in ('torch', 'gplearn', 'pyoperon', 'xgboost', 'distillkit.book') if m in sys.modules]\n"
            "print(','.join(heavy))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == ""


MAX_LINES = 500


def test_no_module_over_500_lines():
    long = {str(p.relative_to(ROOT)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}, f"split these modules (at most {MAX_LINES} lines each): {long}"
