"""The SGD explorer (a d2lmini.sliders figure) in a live kernel, in two real Jupyter front ends, in headless Chromium.

The static-site test (``test_widgets_browser.py``) has no kernel; this one has nothing but the
kernel: outputs and stored widget state are stripped from a temporary copy of the SGD chapter,
so whatever the browser shows was sent by the running kernel through the front end's widget
manager.  Two front ends, each in its own virtual environment built from exact pins:

- ``nb6``: classic Notebook 6.5.7 with ipywidgets 7.7.1 and widgetsnbextension 3.6.10, Colab's
  widget generation (``tests/frontend-nb6.txt``);
- ``lab4``: JupyterLab 4 with ipywidgets 8 (Studio Lab, Binder, local use;
  ``tests/frontend-lab4.txt``).

For each: start the server on 127.0.0.1 (a free port, a random token, a temporary root folder
holding a copy of the chapter up to and including the explorer's cell, plus a probe cell), open it
in Debian's Chromium with every host but 127.0.0.1
blocked (``tools/browser.py``), run all cells from the menu, wait for the explorer, then move
each slider with the keyboard (focus the handle, press an arrow key) and check that the readout
and the picture (the bytes of the frame shown) change, that the frame shown is the one of the
sliders' grid point (its class ``d2l-frame-{i}-{j}``) and its alt text names the readouts' values,
and that the opposite key brings back the same picture.  No cell may fail, the probe cell appended to the copy must show the kernel ran
in that environment with that ipywidgets and with d2lmini installed from this checkout, and the
page must log no console error, page error or failed request, and ask no other host for anything
(the allow-list below names the known, harmless front-end noise).  Then the server is shut down.

The environments are built and cached by tools/colab_env.py (as Colab's is), keyed by their pin file, the Python and the machine, under
``$XDG_CACHE_HOME/d2lmini-course/`` (``~/.cache`` by default): the first run builds them (pip,
from the registry; torch from the local CPU wheel), later runs reuse them.  d2lmini is installed
anew from the checkout on every run (a normal, non-editable install, ``--no-deps``, into a
temporary folder on the kernel's ``PYTHONPATH``), so a cached environment never holds a stale copy.
Screenshots of the explorer land in ``_build/screenshots/frontend-*.png``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, screenshot_dir

from tools import browser as browser_tools
from tools import colab_env

pytestmark = pytest.mark.project

# The notebook under test: the reader notebook, which the Colab, Studio Lab and Binder buttons open.
NOTEBOOK = ROOT / "notebooks" / "04-sgd.ipynb"
#: The explorer's cell; the cells after it are left out of the copy (they take time, and test nothing here).
EXPLORER_CALL = "d2lmini.sgd_explorer("
TESTS = Path(__file__).resolve().parent
SERVER_START_S = 90
RUN_ALL_S = 300
MOVE_S = 20

PROBE = """\
import json, sys, ipywidgets, d2lmini
print(json.dumps({"prefix": sys.prefix, "ipywidgets": ipywidgets.__version__, "d2lmini": d2lmini.__file__}))
"""

# Known, harmless front-end noise: (front end, regular expression matched against one problem line
# as ``page_problems`` writes it, why it is harmless). Any other problem fails the test.
_LOCAL = r"http://127\.0\.0\.1:\d+"
_MATHJAX2_TEX_FONT = _LOCAL + r"/static/components/MathJax/fonts/HTML-CSS/TeX/otf/MathJax_\w+-\w+\.otf"
BENIGN: list[tuple[str, str, str]] = [
    # Classic Notebook's MathJax 2 (HTML-CSS output) declares @font-face MathJax_Blank with
    # src url('about:blank') as the baseline of its font detection; Chromium refuses that URL.
    ("nb6", r"console error: Access to font at 'about:blank' from origin '" + _LOCAL + r"' has been blocked "
            r"by CORS policy: Cross origin requests are only supported for protocol schemes: [^\[]+ \["
            + _LOCAL + r"/notebooks/[^\]]+\]", "MathJax 2 font probe"),
    ("nb6", r"console error: Failed to load resource: net::ERR_FAILED \[about:blank\]", "the same probe"),
    # For \mathcal MathJax 2 first asks for its TeX web font, which nbclassic does not ship (it ships
    # STIX-Web only); it then draws the letters with STIX-Web, correctly (checked on a screenshot).
    ("nb6", r"console error: Failed to load resource: the server responded with a status of 404 \(Not Found\) "
            r"\[" + _MATHJAX2_TEX_FONT + r"\]", "MathJax 2 TeX font not shipped"),
    ("nb6", r"failed request: HTTP 404 " + _MATHJAX2_TEX_FONT, "the same font"),
    ("nb6", r"failed request: " + _MATHJAX2_TEX_FONT + r" \(net::ERR_ABORTED\)", "the same font"),
]


@dataclass(frozen=True)
class FrontEnd:
    name: str  # also names its pin file, tests/frontend-{name}.txt
    #: What the page is opened at, after ``http://127.0.0.1:PORT/``.
    path: str

    @property
    def requirements(self) -> Path:
        return TESTS / f"frontend-{self.name}.txt"


FRONT_ENDS = {
    "nb6": FrontEnd("nb6", "notebooks/{notebook}"),
    "lab4": FrontEnd("lab4", "lab/tree/{notebook}"),
}


def run(*args: str | Path, timeout: int = 1200) -> str:
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
        )
    return proc.stdout


def frontend_env(front_end: FrontEnd) -> Path:
    """The front end's virtual environment, built once from its pin file and then reused.

    tools/colab_env.py builds and checks it, as it does Colab's: keyed by the pins, the Python and
    the machine, built under a lock, complete only once ``pip freeze`` matches the pin file exactly.
    It runs on the base interpreter, so this checkout's .venv (editable d2lmini) stays invisible.
    """
    base = getattr(sys, "_base_executable", sys.executable)
    try:
        python = colab_env.ensure(base, front_end.requirements, f"frontend-{front_end.name}")
    except colab_env.ColabEnvError as err:
        pytest.fail(str(err))
    return python.parent.parent


@pytest.fixture(scope="module")
def d2lmini_install(tmp_path_factory) -> Path:
    """d2lmini built from this checkout and installed (not editable, no dependencies) into a folder.

    Built from a copy, so the in-tree build writes nothing into the working tree.
    """
    base = tmp_path_factory.mktemp("d2lmini")
    source = base / "source"
    shutil.copytree(ROOT / "d2lmini", source / "d2lmini", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    target = base / "site"
    run(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
        "--target", target, source)
    for module in ("sliders.py", "sgd_figures.py"):
        assert (target / "d2lmini" / module).read_bytes() == (ROOT / "d2lmini" / module).read_bytes()
    return target


def notebook_copy(folder: Path) -> tuple[str, int]:
    """The chapter up to its explorer cell, plus a probe cell, with every output and widget state removed.

    Returns the file name and the number of code cells.
    """
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    explorer = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code" and EXPLORER_CALL in cell.source]
    assert len(explorer) == 1, f"{NOTEBOOK.name} must call {EXPLORER_CALL}...) in exactly one cell"
    notebook.cells = notebook.cells[: explorer[0] + 1] + [nbformat.v4.new_code_cell(PROBE)]
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, folder / NOTEBOOK.name)
    return NOTEBOOK.name, sum(cell.cell_type == "code" for cell in notebook.cells)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((browser_tools.LOCAL_HOST, 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    url: str  # http://127.0.0.1:PORT/
    token: str
    log: Path

    def api(self, path: str, method: str = "GET") -> dict:
        request = urllib.request.Request(
            self.url + path, method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else {}


@contextlib.contextmanager
def jupyter_server(front_end: FrontEnd, prefix: Path, root: Path, site: Path, home: Path) -> Iterator[Server]:
    """Start the front end's server on 127.0.0.1; shut it down (and its kernels) afterwards."""
    port, token = free_port(), secrets.token_hex(24)
    for folder in ("config", "data", "runtime", "ipython", "lab-settings", "lab-workspaces"):
        (home / folder).mkdir(parents=True)
    env = {key: value for key, value in os.environ.items() if key not in ("VIRTUAL_ENV", "PYTHONHOME", "PYTHONPATH")}
    env.update(
        PATH=f"{prefix / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        PYTHONPATH=str(site),  # d2lmini, installed from this checkout
        JUPYTER_CONFIG_DIR=str(home / "config"),  # nothing from the user's own Jupyter set-up
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        IPYTHONDIR=str(home / "ipython"),
        JUPYTERLAB_SETTINGS_DIR=str(home / "lab-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "lab-workspaces"),
        PIP_NO_INDEX="1",  # the chapter's bootstrap cell must find d2lmini, never download it
    )
    # --allow-root: CI runs as root, which both servers refuse by default.
    common = ["--no-browser", "--allow-root", f"--port={port}", "--port-retries=0"]
    if front_end.name == "nb6":
        command = [prefix / "bin" / "python", "-m", "notebook", *common, f"--ip={browser_tools.LOCAL_HOST}",
                   f"--NotebookApp.token={token}", f"--notebook-dir={root}"]
    else:
        command = [prefix / "bin" / "python", "-m", "jupyterlab", *common, f"--ServerApp.ip={browser_tools.LOCAL_HOST}",
                   f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
                   "--LabApp.expose_app_in_browser=True",  # lets the test read the notebook's model
                   # Nothing fetched from the web by the server: no news, no update check, no
                   # extension manager querying PyPI.
                   "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                   "--LabApp.extension_manager=readonly"]
        # And no "Would you like to get notified about official Jupyter news?" toast over the page.
        notification = home / "lab-settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
        notification.parent.mkdir(parents=True)
        notification.write_text(json.dumps({"fetchNews": "false"}))
    log = home / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([str(c) for c in command], cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    server = Server(f"http://{browser_tools.LOCAL_HOST}:{port}/", token, log)
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the {front_end.name} server exited ({proc.returncode}):\n{log.read_text()[-4000:]}")
            try:
                server.api("api/status")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail(f"the {front_end.name} server did not answer in {SERVER_START_S} s:\n"
                                f"{log.read_text()[-4000:]}")
                time.sleep(0.25)
        yield server
    finally:
        with contextlib.suppress(OSError):
            server.api("api/shutdown", method="POST")
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.terminate()
            proc.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):  # a kernel the server failed to stop
            os.killpg(proc.pid, signal.SIGKILL)


# ---- The page ----------------------------------------------------------------------------------

#: Classic Notebook: whether the kernel is idle, and the state of every code cell, from the page's model.
NB6_CELLS = """() => ({idle: Jupyter.notebook.kernel.is_connected() && !Jupyter.notebook.kernel_busy,
  cells: Jupyter.notebook.get_cells().filter((c) => c.cell_type === 'code').map((c) => ({
    count: c.input_prompt_number, outputs: c.output_area.outputs}))})"""
#: JupyterLab: the same, from the notebook's model (``window.jupyterapp``, exposed by the server flag).
LAB4_CELLS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  return {idle: panel.sessionContext.session.kernel.status === 'idle',
          cells: [...panel.content.model.cells].filter((c) => c.type === 'code').map((c) => ({
            count: c.executionCount, outputs: c.outputs.toJSON()}))};
}"""
NB6_READY = """() => window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel
  && Jupyter.notebook.kernel.is_connected() && !Jupyter.notebook.kernel_busy"""
LAB4_READY = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const kernel = panel && panel.sessionContext && panel.sessionContext.session && panel.sessionContext.session.kernel;
  return !!kernel && kernel.status === 'idle' && kernel.connectionStatus === 'connected';
}"""

#: The explorer: the engine's box (``d2l-slider-figure``) holding two slider rows (``d2l-control``) and the frame.
EXPLORER = """() => {
  const box = document.querySelector('.d2l-slider-figure');
  return box && box.querySelectorAll('.d2l-control').length === 2 ? box : null;
}"""
READOUTS = """() => Object.fromEntries([...document.querySelector('.d2l-slider-figure')
  .querySelectorAll('.d2l-control')].map((row) => [
  row.querySelector('.d2l-knob-name .widget-html-content, .d2l-knob-name').textContent.trim(),
  row.querySelector('.widget-readout').textContent.trim()]))"""
#: Every image of the explorer that is on screen, its bytes (base64), classes, alt text and box, in page order.
PICTURE = """async () => {
  const box = document.querySelector('.d2l-slider-figure');
  const out = [];
  for (const img of box.querySelectorAll('img')) {
    const rect = img.getBoundingClientRect(), src = img.src, natural = img.naturalWidth;
    if (!img.checkVisibility() || rect.width === 0 || rect.height === 0) continue;
    if (!img.complete || natural === 0) return null;  // a new source still loading: look again
    let bytes;
    try { bytes = new Uint8Array(await (await fetch(src)).arrayBuffer()); }
    catch (error) { return null; }  // its source was just replaced (and revoked): look again
    if (img.src !== src) return null;  // replaced while it was being read: look again
    let text = '';
    for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode(...bytes.subarray(i, i + 8192));
    out.push({png: btoa(text), classes: [...img.classList], alt: img.alt, natural,
              box: [rect.x, rect.y, rect.width, rect.height]});
  }
  return out;
}"""


FRAME_CLASS = re.compile(r"^d2l-frame-(\d+)-(\d+)$")


@dataclass(frozen=True)
class Shown:
    """The one frame the explorer shows: its bytes, its grid point (from its class) and its alt text."""

    png: bytes
    index: tuple[int, int]
    alt: str


def picture(page) -> Shown:
    """The frame of the explorer on screen: exactly one image, an ``img.d2l-frame`` of a grid point."""
    for _ in range(50):
        images = page.evaluate(PICTURE)
        if images is not None:
            break
        time.sleep(0.1)
    assert images is not None, "the explorer's images did not settle (loading, or replaced) within 5 s"
    assert len(images) == 1, f"the explorer must show exactly one frame, got {[i['classes'] for i in images]}"
    (image,) = images
    assert image["natural"] > 0 and image["box"][2] > 300 and image["box"][3] > 100, image["classes"]
    assert "d2l-frame" in image["classes"], image["classes"]
    (index,) = [tuple(map(int, m.groups())) for m in map(FRAME_CLASS.match, image["classes"]) if m]
    return Shown(base64.b64decode(image["png"]), index, image["alt"])


def check_alt(shown: Shown, readouts: dict) -> None:
    """The frame's alt text names the values the readouts show."""
    expected = f"Learning rate {readouts['learning rate']}, batch size {readouts['batch size']}"
    assert shown.alt.startswith(expected), (shown.alt, readouts)


def run_all(page, front_end: FrontEnd) -> None:
    """Run every cell from the front end's menu, as a reader would."""
    if front_end.name == "nb6":
        page.click("#celllink")
        page.click("#run_all_cells > a")
    else:
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()


def wait_for_cells(page, front_end: FrontEnd, code_cells: int) -> list[dict]:
    """Wait until every code cell has run and the kernel is idle; fail on the first error output."""
    cells_js = NB6_CELLS if front_end.name == "nb6" else LAB4_CELLS
    deadline = time.monotonic() + RUN_ALL_S
    while True:
        state = page.evaluate(cells_js)
        cells = state["cells"]
        assert len(cells) == code_cells
        errors = [o for cell in cells for o in cell["outputs"] if o.get("output_type") == "error"]
        if errors:
            error = errors[0]
            pytest.fail(f"a cell failed in {front_end.name}: {error['ename']}: {error['evalue']}")
        # Idle: the kernel reports idle after the last cell's outputs, which then are all in.
        if state["idle"] and all(isinstance(cell["count"], int) for cell in cells):
            return cells
        if time.monotonic() > deadline:
            pytest.fail(f"the cells did not finish in {RUN_ALL_S} s: {[cell['count'] for cell in cells]}")
        time.sleep(0.5)


def handle(page, slider: str):
    """The slider's handle: noUiSlider's in ipywidgets 8, jQuery UI's in ipywidgets 7."""
    return page.locator(".d2l-control", has_text=slider).locator(".noUi-handle, .ui-slider-handle")


def move(page, slider: str, key: str, before: Shown) -> tuple[dict, Shown]:
    """Focus the slider's handle, press ``key``; wait until the picture changes. Returns readouts, picture."""
    target = handle(page, slider)
    assert target.count() == 1, f"expected one handle on the {slider} slider"
    target.focus()
    target.press(key)
    deadline = time.monotonic() + MOVE_S
    while picture(page) == before:
        if time.monotonic() > deadline:
            pytest.fail(f"pressing {key} on the {slider} slider did not change the picture in {MOVE_S} s")
        time.sleep(0.1)
    time.sleep(0.3)  # an image still loading would show up as a change in a moment: settle first
    return page.evaluate(READOUTS), picture(page)


def snapshot(page, name: str) -> None:
    page.evaluate_handle(EXPLORER).as_element().screenshot(path=str(screenshot_dir() / f"frontend-{name}.png"))


def open_notebook(browser, url: str):
    """``tools.browser.open_page``, with each console error's source recorded too.

    The page starts blank, so the extra listener is in place before the notebook loads.
    Returns ``(page, log, console)``: ``console`` holds ``"message [source URL]"`` per error.
    """
    page, log = browser_tools.open_page(browser, "about:blank", wait_ms=0, viewport=(1280, 1000))
    console: list[str] = []
    page.on("console", lambda m: m.type == "error" and console.append(f"{m.text} [{m.location.get('url', '')}]"))
    page.goto(url, wait_until="networkidle")
    return page, log, console


def page_problems(front_end: FrontEnd, log: browser_tools.PageLog, console: list[str]) -> list[str]:
    """Everything that went wrong on the page, less the allow-listed noise of this front end."""
    assert len(console) == len(log.console_errors)
    problems = (
        [f"console error: {m}" for m in console]
        + [f"page error: {m}" for m in log.page_errors]
        + [f"failed request: {m}" for m in log.failed]
        + [f"request to another host: {m}" for m in log.off_host]
    )
    benign = [re.compile(pattern) for name, pattern, _why in BENIGN if name == front_end.name]
    return [problem for problem in problems if not any(pattern.fullmatch(problem) for pattern in benign)]


@pytest.mark.parametrize("name", sorted(FRONT_ENDS))
def test_explorer_runs_live(name, browser, d2lmini_install, tmp_path):
    front_end = FRONT_ENDS[name]
    phases: dict[str, float] = {}
    clock = time.monotonic()

    def lap(phase: str) -> None:
        nonlocal clock
        phases[phase], clock = time.monotonic() - clock, time.monotonic()

    prefix = frontend_env(front_end)
    root = tmp_path / "root"
    root.mkdir()
    notebook, code_cells = notebook_copy(root)
    lap("environment")
    with jupyter_server(front_end, prefix, root, d2lmini_install, tmp_path / "home") as server:
        lap("server start")
        url = server.url + front_end.path.format(notebook=notebook) + f"?token={server.token}"
        page, log, console = open_notebook(browser, url)
        try:
            page.wait_for_function(NB6_READY if name == "nb6" else LAB4_READY, timeout=SERVER_START_S * 1000)
            lap("page and kernel")
            run_all(page, front_end)
            cells = wait_for_cells(page, front_end, code_cells)
            lap(f"run {code_cells} cells")
            probe = json.loads("".join(o.get("text", "") for o in cells[-1]["outputs"] if o["output_type"] == "stream"))
            assert Path(probe["prefix"]) == prefix, "the kernel must run in the front end's environment"
            assert f"ipywidgets=={probe['ipywidgets']}" in colab_env.pins(front_end.requirements)
            assert Path(probe["d2lmini"]).parent == d2lmini_install / "d2lmini"

            page.wait_for_function(EXPLORER, timeout=30_000)
            page.wait_for_function(
                "() => [...document.querySelector('.d2l-slider-figure').querySelectorAll('img.d2l-frame')]"
                ".some((img) => img.complete && img.naturalWidth > 0)",
                timeout=30_000,
            )
            start_readouts, start_picture = page.evaluate(READOUTS), picture(page)
            assert set(start_readouts) == {"learning rate", "batch size"}
            check_alt(start_picture, start_readouts)
            snapshot(page, f"{name}-start")

            # Each slider: one step up changes its readout (only its own), the picture and its grid
            # point (only its own index); one step down restores both exactly; then up again, so the
            # next slider starts from a new point.
            readouts, shown = start_readouts, start_picture
            for axis, slider in enumerate(("learning rate", "batch size")):
                moved, changed = move(page, slider, "ArrowRight", shown)
                assert moved[slider] != readouts[slider], f"the {slider} readout did not change"
                others = {k: v for k, v in moved.items() if k != slider}
                assert others == {k: v for k, v in readouts.items() if k != slider}
                step = [0, 0]
                step[axis] = 1
                assert changed.index == (shown.index[0] + step[0], shown.index[1] + step[1]), (shown, changed)
                check_alt(changed, moved)
                snapshot(page, f"{name}-{slider.replace(' ', '-')}-up")
                back, restored = move(page, slider, "ArrowLeft", changed)
                assert back == readouts, f"ArrowLeft must undo ArrowRight on the {slider} slider"
                assert restored == shown, "the same slider values must show the same picture"
                readouts, shown = move(page, slider, "ArrowRight", restored)
            page.evaluate_handle(EXPLORER).as_element().scroll_into_view_if_needed()
            page.screenshot(path=str(screenshot_dir() / f"frontend-{name}-page.png"))
            lap("sliders")
        finally:
            page.context.close()
    lap("shutdown")
    print(f"\n{name}: readouts {start_readouts} -> {readouts}; seconds: "
          + ", ".join(f"{phase} {seconds:.1f}" for phase, seconds in phases.items()))
    problems = page_problems(front_end, log, console)
    assert problems == [], "\n".join(problems)
