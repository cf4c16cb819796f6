"""Build the smoke-profile book and look at every page in headless Chromium.

Set DISTILLKIT_BOOK_BUILT=1 to reuse an existing build in _build/ instead of the
session's smoke build (the ``smoke_book`` fixture of conftest.py, which
tests/book/test_book_shape.py also uses, so the notebooks run once). Skipped when
Chromium/chromedriver are not installed, except under CI (CI=true), where that
is a failure.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from distillkit.book.protocol import html_dir, toc_files

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "_build"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# pages that must show at least one figure
FIGURE_PAGES = [f"notebooks/{n:02d}_" for n in range(1, 9)]


def _require_browser():
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not (os.path.isfile(p) and os.access(p, os.X_OK))]
    if missing:
        msg = f"headless browser test needs {', '.join(missing)} (apt-get install chromium chromium-driver)"
        if IN_CI:
            pytest.fail(msg + " -- required under CI")
        pytest.skip(msg)
    pytest.importorskip("selenium")


@pytest.fixture(scope="module")
def html_root(request):
    _require_browser()
    index = html_dir(OUT, ROOT) / "index.html"
    if os.environ.get("DISTILLKIT_BOOK_BUILT") == "1" and index.is_file():
        return index.parent
    # the session's smoke build (tests/conftest.py), shared with tests/book/test_book_shape.py
    index = request.getfixturevalue("smoke_book") / "_build" / "html" / "index.html"
    assert index.is_file(), f"build succeeded but {index} is missing"
    return index.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def base_url(html_root):
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(html_root)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/index.html", timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail("http.server exited early")
                time.sleep(0.1)
        else:
            pytest.fail("http.server did not come up")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def driver():
    _require_browser()
    os.environ.setdefault("SE_OFFLINE", "true")  # never let selenium-manager download anything
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile_dir = tempfile.mkdtemp(prefix="distillkit-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,1000", f"--user-data-dir={profile_dir}"):
        opts.add_argument(arg)
    drv = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    drv.set_page_load_timeout(60)
    try:
        yield drv
    finally:
        drv.quit()
        shutil.rmtree(profile_dir, ignore_errors=True)


PAGES = toc_files(ROOT)


@pytest.mark.parametrize("page", PAGES)
def test_page_renders(page, base_url, driver, html_root):
    from selenium.webdriver.common.by import By

    assert (html_root / f"{page}.html").is_file(), f"{page}.html was not built"
    driver.get(f"{base_url}/{page}.html")
    assert driver.title.strip(), f"{page}: empty <title>"
    main = driver.find_element(By.CSS_SELECTOR, "article.bd-article, main")
    assert main.find_elements(By.TAG_NAME, "h1"), f"{page}: no <h1> heading"

    # every image in the content is loaded (scroll each into view: lazy images load late)
    imgs = main.find_elements(By.TAG_NAME, "img")
    broken = []
    for img in imgs:
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", img)
        ok = False
        for _ in range(50):
            ok = driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0;", img)
            if ok:
                break
            time.sleep(0.1)
        if not ok:
            broken.append(img.get_attribute("src")[:120])
    assert not broken, f"{page}: images not loaded: {broken}"
    if any(page.startswith(p) for p in FIGURE_PAGES):
        assert imgs, f"{page}: chapter has no figure (<img>) in its content"

    # no stderr, tracebacks or error outputs in executed cells
    bad = main.find_elements(
        By.CSS_SELECTOR, "div.output.stderr, div.output.traceback, div.output.error, .cell_output .traceback"
    )
    texts = [b.text.strip().splitlines()[0][:200] if b.text.strip() else b.get_attribute("class") for b in bad]
    assert not bad, f"{page}: {len(bad)} stderr/error output(s): {texts}"

    # a notebook page offers its executed .ipynb for download
    if page.startswith("notebooks/"):
        links = driver.execute_script(
            "return Array.from(document.querySelectorAll('a[href$=\".ipynb\"]')).map(a => a.getAttribute('href'));")
        assert links, f"{page}: no .ipynb download link"
        # code is folded behind a toggle that opens
        folds = main.find_elements(By.CSS_SELECTOR, "details.above-input")
        assert folds, f"{page}: no folded code cell"
        shown = [c for c in main.find_elements(By.CSS_SELECTOR, "div.cell_input") if c.is_displayed()]
        assert not shown, f"{page}: {len(shown)} code cell(s) shown unfolded"
        summary = folds[0].find_element(By.TAG_NAME, "summary")
        driver.execute_script("arguments[0].click();", summary)  # a click event, wherever it is
        code = folds[0].find_element(By.CSS_SELECTOR, "div.cell_input")
        for _ in range(20):
            if code.is_displayed():
                break
            time.sleep(0.1)
        assert code.is_displayed(), f"{page}: the code toggle does not open"
        driver.execute_script("arguments[0].click();", summary)
        # our CSS is loaded: output tables have room between columns
        pads = driver.execute_script(
            "return Array.from(document.querySelectorAll('.cell_output table td')).slice(0, 5)"
            ".map(td => parseFloat(getComputedStyle(td).paddingLeft));")
        assert all(p >= 4 for p in pads), f"{page}: output table cells without padding: {pads}"

    shots = OUT / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    driver.execute_script("window.scrollTo(0, 0);")
    height = driver.execute_script("return Math.min(document.documentElement.scrollHeight, 12000);")
    driver.set_window_size(1400, max(1000, int(height)))
    driver.save_screenshot(str(shots / f"{Path(page).name}.png"))
    driver.set_window_size(1400, 1000)
