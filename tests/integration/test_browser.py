"""The course in a real browser: every notebook runs in JupyterLab without errors, and sliders move figures.

A `jupyter lab` from this environment serves notebooks/ on localhost and Chromium, driven through
Playwright, does what a learner does: opens a notebook, runs all cells, moves a slider (with the
arrow keys). Screenshots land in artifacts/browser/<notebook>/. Needs Chromium and the playwright
package; the tests are skipped without them, except where LRCOURSE_REQUIRE_BROWSER=1 (CI): they fail.
"""
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]
# LRCOURSE_BROWSER_NOTEBOOKS points the test at another folder of notebooks (to try one on its own)
NOTEBOOK_DIR = Path(os.environ.get("LRCOURSE_BROWSER_NOTEBOOKS", REPO / "notebooks")).resolve()
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
ARTIFACTS = REPO / "artifacts" / "browser"

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1400, "height": 1000}

# the front ends of ipywidgets and ipympl
WIDGET_LAB_EXTENSIONS = ("@jupyter-widgets/jupyterlab-manager", "jupyter-matplotlib")

KERNEL_START_S = 120   # notebook opened until its kernel is idle
RUN_ALL_S = 300        # "Run All Cells" until every cell has run (notebooks take up to ~90 s on 2 CPUs)
FIGURE_CHANGE_S = 20   # slider moved until its figure shows the change

# JupyterLab settings for the test's server: no autosave, so running the course never rewrites
# notebooks/ (jupytext would rewrite the paired .py too), and no "fetch Jupyter news?" toast.
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false"},
}


@dataclass
class Lab:
    url: str
    token: str

    def api(self, method, path):
        req = urllib.request.Request(f"{self.url}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def notebook_url(self, name):
        # a workspace of its own per notebook: nothing another test left open is restored
        workspace = "t" + secrets.token_hex(4)
        return f"{self.url}/lab/workspaces/{workspace}/tree/{urllib.parse.quote(name)}?token={self.token}"

    def shut_down_kernels(self):
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}")


def _chromium_or_skip():
    """Chromium's path; skips (fails where LRCOURSE_REQUIRE_BROWSER=1) when it or playwright is missing."""
    chromium = "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else shutil.which("chromium")
    missing = []
    if chromium is None:
        missing.append("Chromium (sudo apt-get install -y chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install -e '.[test]')")
    if missing:
        reason = "the browser test needs " + " and ".join(missing)
        if os.environ.get("LRCOURSE_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + "; LRCOURSE_REQUIRE_BROWSER=1 forbids skipping it")
        pytest.skip(reason)
    return chromium


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _jupyter_lab(root: Path, state: Path, log: Path):
    """`jupyter lab` serving root on localhost, with its own workspaces, settings and runtime files."""
    for plugin, values in LAB_SETTINGS.items():
        path = state / "settings" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, LRCOURSE_OFFLINE="1",  # kernels use the bundled sample, never download MNIST
               JUPYTER_RUNTIME_DIR=str(state / "runtime"), JUPYTER_CONFIG_DIR=str(state / "config"))
    env.pop("MPLBACKEND", None)  # conftest.py sets Agg for the unit tests; kernels get what `make lab` gives
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",  # CI containers run as root
             "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
             f"--LabApp.workspaces_dir={state / 'workspaces'}",
             f"--LabApp.user_settings_dir={state / 'settings'}"],
            env=env, stdout=log_file, stderr=subprocess.STDOUT,
            start_new_session=True)  # its own process group, kernels included, for the kill below
    lab = Lab(f"http://127.0.0.1:{port}", token)
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited with code {proc.returncode}; its log, {log}:\n"
                            + log.read_text()[-3000:])
            try:
                lab.api("GET", "/api/status")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"jupyter lab did not answer within 90 s; its log, {log}:\n"
                                + log.read_text()[-3000:])
                time.sleep(0.5)
        yield lab
    finally:
        proc.terminate()  # the server shuts its kernels down on SIGTERM
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="module")
def browser():
    chromium = _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def lab(browser, tmp_path_factory):
    with _jupyter_lab(NOTEBOOK_DIR, tmp_path_factory.mktemp("lab"), ARTIFACTS / "jupyter-server.log") as lab:
        yield lab


# The notebook is shown, all its cells (they are added to the page a few at a time), and its kernel is
# idle. The toolbar's execution indicator says "idle" before any kernel is there (the kernel name says
# "No Kernel" then), so both are checked. Or a dialog shows instead.
NOTEBOOK_READY_JS = """cells => {
  const nb = document.querySelector('.jp-NotebookPanel');
  return !!document.querySelector('.jp-Dialog') || (
    !!nb && nb.querySelectorAll('.jp-Cell').length === cells
    && !['', 'No Kernel'].includes(nb.querySelector('[data-jp-item-name=kernelName]')?.innerText ?? '')
    && nb.querySelector('.jp-Notebook-ExecutionIndicator')?.dataset.status === 'idle');
}"""


@contextlib.contextmanager
def _notebook_page(browser, lab, name, shots: Path):
    """A fresh browser page with the notebook open and its kernel idle; its kernel is shut down after.

    Leaves the browser's console messages in shots, and a screenshot of the page when something failed."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    page = context.new_page()
    messages = []
    page.on("console", lambda m: messages.append(f"[{m.type}] {m.text}"))
    try:
        page.goto(lab.notebook_url(name))
        # without these lab extensions widgets show as plain text, which no check below would catch
        loaded = page.evaluate("""() => JSON.parse(document.getElementById('jupyter-config-data').textContent)
            .federated_extensions.map(e => e.name)""")
        missing = set(WIDGET_LAB_EXTENSIONS) - set(loaded)
        assert not missing, \
            f"JupyterLab did not load {sorted(missing)} (only {loaded}); `lrcourse doctor` says why"
        try:
            cells = len(lab.api("GET", f"/api/contents/{urllib.parse.quote(name)}")["content"]["cells"])
        except urllib.error.HTTPError as e:  # e.g. jupytext refusing a paired notebook
            pytest.fail(f"{name}: the server cannot open it (see {shots}): {json.loads(e.read())['message']}")
        try:
            page.wait_for_function(NOTEBOOK_READY_JS, arg=cells, timeout=KERNEL_START_S * 1000)
        except PlaywrightTimeout:
            pytest.fail(f"{name}: not open with an idle kernel within {KERNEL_START_S} s; see {shots}")
        # a modal dialog instead: a notebook that failed to load, a kernel to pick...
        assert not page.locator(".jp-Dialog").count(), \
            f"{name}: JupyterLab shows a dialog (see {shots}):\n{_visible_dialogs(page)}"
        yield page
    except BaseException:
        with contextlib.suppress(Exception):  # a failing screenshot must not hide the failure
            page.screenshot(path=shots / "at-failure.png")
        raise
    finally:
        (shots / "browser-console.log").write_text("\n".join(messages))
        context.close()
        with contextlib.suppress(OSError):  # nor a server that is gone
            lab.shut_down_kernels()


def _visible_dialogs(page):
    return page.evaluate("""() => Array.from(document.querySelectorAll('.jp-Dialog'))
        .map(d => d.innerText).join('\\n') || '(none)'""")


def _menu(page, where, menu, command, done_js):
    """Runs a main-menu command on the notebook, e.g. "Run", "runmenu:run-all" for Run > Run All Cells,
    and waits until done_js tells that it took."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.locator(".lm-MenuBar").get_by_text(menu, exact=True).click()
    page.locator(f".lm-Menu-item[data-command='{command}']").click()
    try:
        page.wait_for_function(done_js, timeout=15_000)
    except PlaywrightTimeout:
        pytest.fail(f"{where}: {menu} > {command} had no effect; dialogs: {_visible_dialogs(page)}")


# The code cells' prompts: "[*]:" while queued or running, "[3]:" once run, "[ ]:" never run.
PROMPTS_JS = "Array.from(document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt'))" \
             ".map(p => p.textContent.trim())"
# the state of the run: the prompts, the kernel status in the notebook's toolbar, and widgets not shown yet
RUN_STATE_JS = f"""() => ({{
  prompts: {PROMPTS_JS},
  kernel: document.querySelector('.jp-NotebookPanel .jp-Notebook-ExecutionIndicator').dataset.status,
  loadingWidgets: (document.querySelector('.jp-NotebookPanel').textContent
                   .match(/Loading widget\\.\\.\\./g) || []).length,
}})"""


def _run_all(page, where):
    """Shows every cell in full, clears the stored outputs, runs all cells, and waits until every cell
    ran or one failed."""
    # hidden inputs (the solutions) show no prompt to follow the run by; hidden outputs would hide errors
    _menu(page, where, "View", "notebook:show-all-cell-code",
          "() => !document.querySelector('.jp-NotebookPanel .jp-InputPlaceholder')")
    _menu(page, where, "View", "notebook:show-all-cell-outputs",
          "() => !document.querySelector('.jp-NotebookPanel .jp-OutputPlaceholder')")
    # cleared first so that only this run's outputs (and execution counts) are checked
    _menu(page, where, "Edit", "editmenu:clear-all",
          f"() => !document.querySelector('.jp-NotebookPanel .jp-OutputArea-output') "
          f"&& {PROMPTS_JS}.every(p => p === '[ ]:')")
    # after the clearing, any other prompt shows the run started (a notebook may lack code cells)
    _menu(page, where, "Run", "runmenu:run-all",
          f"() => (prompts => !prompts.length || prompts.some(p => p !== '[ ]:'))({PROMPTS_JS})")
    deadline = time.monotonic() + RUN_ALL_S
    while True:
        state = page.evaluate(RUN_STATE_JS)
        ran = any(p.strip("[]:").isdigit() for p in state["prompts"])
        # cells after a failing one are dequeued and go back to "[ ]:"
        if (ran or not state["prompts"]) and "[*]:" not in state["prompts"] \
                and state["kernel"] == "idle" and not state["loadingWidgets"]:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"{where}: Run All Cells did not finish within {RUN_ALL_S} s; prompts "
                        f"{state['prompts']}, kernel {state['kernel']}, {state['loadingWidgets']} widget(s) "
                        f"still 'Loading widget...'; dialogs: {_visible_dialogs(page)}")
        time.sleep(0.5)


# Every error a learner would see: tracebacks in outputs, widgets that failed to display, and
# errors in the log console (where JupyterLab puts what widget callbacks raise, since they run
# outside any cell). JupyterLab 4 renders error outputs like stderr streams (data-mime-type
# application/vnd.jupyter.stderr), so errors are told from other stderr text (warnings, progress
# bars) by their text: a traceback header, or IPython's "SomeError: message" line (SyntaxError has
# no traceback). Output widgets are covered too: their outputs are .jp-OutputArea-output as well.
PROBLEMS_JS = """() => {
  const isError = /Traceback \\(most recent call last\\)|^\\s*[\\w.]*(Error|Exception): /m;
  const clip = s => s.length > 2500 ? s.slice(0, 600) + '\\n[...]\\n' + s.slice(-1900) : s;
  const cells = Array.from(document.querySelectorAll('.jp-NotebookPanel .jp-Cell'));
  const where = node => {
    const cell = node.closest('.jp-Cell');
    return cell ? `cell ${cells.indexOf(cell) + 1} of ${cells.length}` : 'outside the cells';
  };
  const problems = [];
  const stderr = '.jp-NotebookPanel .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]';
  for (const out of document.querySelectorAll(stderr)) {
    const text = out.innerText || out.textContent;
    if (isError.test(text)) problems.push(`${where(out)}: error output:\\n${clip(text)}`);
  }
  // a widget view that failed shows a broken-page icon; clicking it shows the error, as a learner would
  for (const broken of document.querySelectorAll('.jupyter-widgets-error-widget')) {
    if (broken.classList.contains('icon-error')) broken.click();
    const text = broken.innerText || broken.textContent;
    problems.push(`${where(broken)}: widget not displayed:\\n${clip(text)}`);
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent;
    if (text.includes('Error displaying widget'))
      problems.push(`${where(walker.currentNode.parentElement)}: ${text.trim()}`);
  }
  for (const entry of document.querySelectorAll('.jp-LogConsolePanel .jp-OutputArea-child')) {
    const level = entry.querySelector('[data-log-level]')?.dataset.logLevel;
    const text = entry.querySelector('.jp-OutputArea-output')?.innerText || '';
    if (level === 'error' || level === 'critical' || isError.test(text))
      problems.push(`log console (${level}):\\n${clip(text)}`);
  }
  return problems;
}"""


def _problems(page):
    return list(dict.fromkeys(page.evaluate(PROBLEMS_JS)))  # a callback failing at each key press: once


def _screenshot_whole_notebook(page, path):
    """The notebook scrolls inside a fixed-size page: the window grows to its height for one screenshot."""
    # the window height that shows the notebook down to its last cell (not its scroll-past-end space)
    height_js = """() => {
      const nb = document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer');
      nb.scrollTop = 0;
      const last = Array.from(nb.querySelectorAll('.jp-Cell')).pop();
      const content = last.getBoundingClientRect().bottom - nb.getBoundingClientRect().top + 40;
      return Math.ceil(content + window.innerHeight - nb.clientHeight);
    }"""
    height = VIEWPORT["height"]
    for _ in range(3):  # cells coming into view get their real height, so measure again
        page.set_viewport_size({"width": VIEWPORT["width"], "height": height})
        page.wait_for_timeout(1000)
        wanted = min(page.evaluate(height_js), 16000)  # Chromium's limit for one screenshot
        if wanted == height:
            break
        height = wanted
    page.screenshot(path=path)
    page.set_viewport_size(VIEWPORT)
    page.wait_for_timeout(500)


# Marks the first enabled ipywidgets slider's handle (noUiSlider, role=slider) and its figure:
# the ipympl canvas in the same cell, else the first one after the slider.
MARK_SLIDER_AND_FIGURE_JS = """() => {
  const nb = document.querySelector('.jp-NotebookPanel');
  const handle = nb.querySelector('.widget-slider .noUi-target:not([disabled]) .noUi-handle[role=slider]');
  if (!handle) return 'no slider';
  handle.dataset.lrcourseTest = 'slider';
  const figures = Array.from(nb.querySelectorAll('.jupyter-matplotlib-canvas-div'));
  const cell = handle.closest('.jp-Cell');
  const figure = figures.find(f => f.closest('.jp-Cell') === cell)
    || figures.find(f => handle.compareDocumentPosition(f) & Node.DOCUMENT_POSITION_FOLLOWING);
  if (!figure) return 'no figure';
  figure.dataset.lrcourseTest = 'figure';
  return 'ok';
}"""
# the figure's pixels: ipympl draws it on the first <canvas>; the second is the zoom-rectangle overlay
FIGURE_PIXELS_JS = "el => el.querySelector('canvas').toDataURL()"


def _move_first_slider(page, where, shots: Path):
    """Moves the first slider with the keyboard and waits for its figure to be redrawn.

    Returns None when the notebook has no slider, else whether the figure changed and a sentence
    saying how the slider moved."""
    found = page.evaluate(MARK_SLIDER_AND_FIGURE_JS)
    if found == "no slider":
        return None
    assert found == "ok", f"{where}: a slider but no ipympl figure in its cell or after it"
    handle = page.locator("[data-lrcourse-test=slider]")
    figure = page.locator("[data-lrcourse-test=figure]")
    figure.scroll_into_view_if_needed()
    # the figure before: drawn, and steady (no redraw still on its way)
    before = figure.evaluate(FIGURE_PIXELS_JS)
    for _ in range(20):
        page.wait_for_timeout(500)
        now = figure.evaluate(FIGURE_PIXELS_JS)
        if now == before:
            break
        before = now
    figure.screenshot(path=shots / "figure-before.png")

    # the readout shows the value at full precision; aria-valuenow is rounded to one decimal
    readout = handle.locator("xpath=ancestor::div[contains(@class, 'widget-slider')][1]") \
        .locator(".widget-readout").first

    def position():
        return f"{readout.text_content() or readout.input_value()} (aria {handle.get_attribute('aria-valuenow')})"

    value = position()
    handle.focus()
    for key in ("ArrowRight", "ArrowLeft"):  # ArrowLeft when the slider starts at its maximum
        for _ in range(3):
            page.keyboard.press(key)
        page.wait_for_timeout(200)
        if position() != value:
            break
    moved_to = position()
    assert moved_to != value, f"{where}: the first slider did not move with the arrow keys"

    deadline = time.monotonic() + FIGURE_CHANGE_S
    while figure.evaluate(FIGURE_PIXELS_JS) == before and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    page.wait_for_timeout(500)  # let the redraw finish before the screenshots
    figure.screenshot(path=shots / "figure-after.png")
    page.screenshot(path=shots / "after-slider.png")
    return figure.evaluate(FIGURE_PIXELS_JS) != before, \
        f"the first slider moved from {value} to {moved_to}"


def _report(where, problems):
    return f"{where}: {len(problems)} problem(s) in the browser:\n\n" + "\n\n".join(problems)


def test_there_are_notebooks():
    assert NOTEBOOKS, f"no *.ipynb in {NOTEBOOK_DIR}: the browser test has nothing to check"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_notebook_in_jupyterlab(browser, lab, notebook):
    name, shots = notebook.name, ARTIFACTS / notebook.stem
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    print(f"\nbrowser artefacts for {name}: {shots}")
    where = f"{name} (screenshots in {shots})"
    with _notebook_page(browser, lab, name, shots) as page:
        _run_all(page, where)
        _screenshot_whole_notebook(page, shots / "after-run-all.png")
        _menu(page, where, "View", "logconsole:open", "() => !!document.querySelector('.jp-LogConsolePanel')")
        problems = _problems(page)
        assert not problems, _report(where, problems)

        moved = _move_first_slider(page, where, shots)
        if moved is None:
            return
        changed, how = moved
        # errors first: a callback that raised explains a figure that did not change
        problems = _problems(page)
        assert not problems, _report(f"{where}, after {how}", problems)
        assert changed, (f"{where}: {how} but its figure did not change within {FIGURE_CHANGE_S} s "
                         f"(compare figure-before.png and figure-after.png)")


def test_errors_are_reported(browser, tmp_path):
    """The checks above can fail: a widget the front end cannot display and a cell that raises are
    reported, with their errors; a warning on stderr is not."""
    cells = [
        "import sys; print('a warning', file=sys.stderr)",
        "import ipywidgets, traitlets\n"
        "class Broken(ipywidgets.IntSlider):\n"
        "    _view_name = traitlets.Unicode('NoSuchView').tag(sync=True)  # a view the front end lacks\n"
        "Broken()",
        "raise ValueError('boom')",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (tmp_path / "notebooks").mkdir()
    nbformat.write(nb, tmp_path / "notebooks" / "errors.ipynb")
    with _jupyter_lab(tmp_path / "notebooks", tmp_path / "lab", tmp_path / "jupyter-server.log") as lab, \
            _notebook_page(browser, lab, "errors.ipynb", tmp_path) as page:
        _run_all(page, "errors.ipynb")
        problems = _problems(page)
    assert len(problems) == 2, problems
    assert "cell 3 of 3: error output" in problems[0] and "ValueError: boom" in problems[0], problems
    assert "cell 2 of 3: widget not displayed" in problems[1] and "NoSuchView" in problems[1], problems
