"""The course in a real browser: what only a browser can check, in about a minute.

nbval (pytest over notebooks/*.ipynb, part of `make test`) already runs every notebook once, so
this test runs none of them again. It checks, in JupyterLab at 1280 x 800 with the file browser
open (what a new learner sees), what nbval cannot see:

1. **The live panels**, in a small notebook the test writes to a temporary folder: every panel the
   course has, built with the arguments its notebook uses: the OneCycleLR explorer of 05 (the
   default explorer), a 10,000-step OneCycleLR explorer (``num_epochs=100, steps_per_epoch=100``,
   so ``total_steps`` follows and all 10,000 steps are plotted), 00's train-live panel (with 200
   epochs, so that Stop lands during a run), 06's finder explorer on its y = 2x range
   test, 07's stepping explorer, 01's y = 2x explorer, and 08's shoot-out panel on a one-seed,
   two-epoch shoot-out. One kernel, one import of torch and a few seconds of compute show every
   panel; running 00, 05 and 06 themselves would add a minute of training to show three of them
   again. The test checks that every panel renders without an error, fits the notebook's view
   (its height at most the view's, its width inside the output area, measured again with the
   tallest scheduler's controls), and has no label, readout, button, menu or figure over another
   nor a label or readout cut off; that sliders, buttons (pin and reset, Train and Stop, Add to
   shoot-out) and dropdowns act and change their figure; that a fast drag of a slider leaves no
   queue of stale frames (fewer frames than moves, and the last frame is the last value); and it
   prints the time from a key press to the first new pixels on the canvas for the two explorers
   (median of 12 presses), timing reported, never asserted.
2. **The stored notebooks**: every notebooks/*.ipynb is opened as saved and no cell runs (they join
   one idle kernel, which JupyterLab's widget manager needs before it restores saved widgets). First
   untrusted, as a learner first sees a cloned notebook (each panel shows its PNG), then trusted, as
   after a click on "Trust" (each panel renders from its saved widget state): no output is an
   error, every image loads, no "Error displaying widget" nor broken-widget icon, and every figure
   draws its saved image. These checks hold for any layout, old or new.
3. **The checks can fail**: a stored notebook with a widget whose model is missing, an error
   output, a broken image and a figure without its saved image; and a notebook whose cells raise
   and display a widget the front end cannot show. Each must be reported.

There is no fixed sleep: every wait is a condition in the page (a new frame drawn, the kernel idle,
a text shown) with a deadline. Screenshots and the browser's console land in artifacts/browser/.
Needs Chromium and the playwright package; without them the test is skipped, except where
LRCOURSE_REQUIRE_BROWSER=1 (CI): there it fails.
"""
import base64
import contextlib
import copy
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]
# LRCOURSE_BROWSER_NOTEBOOKS points the test at another folder of stored notebooks (to try one on its own)
NOTEBOOK_DIR = Path(os.environ.get("LRCOURSE_BROWSER_NOTEBOOKS", REPO / "notebooks")).resolve()
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
ARTIFACTS = REPO / "artifacts" / "browser"

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 800}  # a laptop; JupyterLab's file browser stays open

# the front ends of ipywidgets and ipympl
WIDGET_LAB_EXTENSIONS = ("@jupyter-widgets/jupyterlab-manager", "jupyter-matplotlib")

# The course's JupyterLab defaults (binder/jupyterlab_settings.json, which `make lab` and Binder use:
# no "fetch Jupyter news?" pop-up), and the test's own settings: no autosave, so nothing is ever
# written back, and every cell rendered at once (no windowing), so every output is checked.
COURSE_SETTINGS = REPO / "binder" / "jupyterlab_settings.json"
TEST_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}

KERNEL_S = 120   # deadline: a kernel started and idle, the live notebook run (imports torch)
STEP_S = 30      # deadline: one action's effect (a frame, a run, a notebook opened)

LIVE_CELLS = {  # name -> the cell's code; every cell but the first shows one panel
    "setup": """\
import torch
from lrcourse.data import MNISTData, Split, linear_data
from lrcourse.finder import LRFinder
from lrcourse.models import MnistCNN, linear_model
from lrcourse.shootout import ShootoutResult
from lrcourse.toy import curvature, stability_limit
from lrcourse.widgets import (explore_finder, explore_gradient_descent, explore_schedule, explore_stepping,
                              shootout_panel, train_live)
data = linear_data("cpu")  # 06's y = 2x range test
L, limit = curvature(data.x), stability_limit(data.x)
model_2x = linear_model()
finder_2x = LRFinder(model_2x, torch.optim.SGD(model_2x.parameters(), lr=0.01))
finder_2x.range_test(data, start_lr=1e-3, end_lr=1, num_iter=30, verbose=False)
x, y = torch.randn(96, 1, 28, 28), torch.arange(96) % 10  # a shoot-out small enough to race in a second
tiny = MNISTData(Split(x[:64], y[:64]), Split(x[64:80], y[64:80]), Split(x[80:], y[80:]), "tiny", None)
result = ShootoutResult(tiny, (0,), 2, 32, 0.5, model_fn=lambda: MnistCNN(width=2))""",
    "explorer": "explorer = explore_schedule()\nexplorer",
    "explorer 10k": 'explorer_10k = explore_schedule("OneCycleLR", num_epochs=100, steps_per_epoch=100)\nexplorer_10k',
    "train": 'train_live("y=2x", "StepLR", num_epochs=200)',  # 00's panel, with a run long enough to Stop
    "finder": 'explore_finder(finder_2x, marks={"2/L": limit, "1/L": 1 / L}, skip_start=0, skip_end=0, log_loss=True)',
    "stepping": 'explore_stepping("CosineAnnealingLR", num_epochs=10, steps_per_epoch=20)',
    "gradient descent": "explore_gradient_descent(lr=0.049)",
    "shoot-out": 'shootout_panel(result, "StepLR")',
}
PANELS = [name for name in LIVE_CELLS if name != "setup"]

# Counts every frame drawn on a canvas the test marked, and when keys went down
PROBE_JS = """(() => {
  const probe = window.lrcourseProbe = {draws: [], keys: []};
  const drawImage = CanvasRenderingContext2D.prototype.drawImage;
  CanvasRenderingContext2D.prototype.drawImage = function (...args) {
    const out = drawImage.apply(this, args);
    const id = this.canvas.dataset.lrcourseFigure;
    if (id !== undefined && this.canvas.isConnected) probe.draws.push([id, performance.now()]);
    return out;
  };
  document.addEventListener('keydown', () => probe.keys.push(performance.now()), true);
  // images still loading: ipympl decodes each frame it gets into an image, then draws it
  probe.loading = new Set();
  const src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, 'src');
  Object.defineProperty(HTMLImageElement.prototype, 'src', {
    configurable: true,
    get() { return src.get.call(this); },
    set(value) {
      probe.loading.add(this);
      const done = () => probe.loading.delete(this);
      this.addEventListener('load', done, {once: true});
      this.addEventListener('error', done, {once: true});
      src.set.call(this, value);
    },
  });
  probe.count = id => probe.draws.filter(d => d[0] === id).length;
  probe.firstAfter = (id, t) => (probe.draws.find(d => d[0] === id && d[1] >= t) || [null, null])[1];
  // a fingerprint of a canvas's pixels, and whether any pixel is not white
  probe.pixels = id => {
    const c = document.querySelector(`canvas[data-lrcourse-figure="${id}"]`);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let hash = 0, inked = 0;
    for (let i = 0; i < d.length; i += 4) {
      hash = (Math.imul(hash, 31) + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) | 0;
      if (d[i + 3] > 0 && (d[i] < 250 || d[i + 1] < 250 || d[i + 2] < 250)) inked++;
    }
    return {hash, inked};
  };
})()"""

# The current document, and whether its kernel is there and idle (between requests: a key press, a cell)
CURRENT = "window.jupyterapp?.shell.currentWidget"
KERNEL_IDLE_JS = f"""() => {{
  const kernel = {CURRENT}?.sessionContext?.session?.kernel;
  return !!kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
}}"""
# the kernel idle and every frame it sent drawn (a frame arrives before the kernel says it is idle)
SETTLED_JS = f"() => ({KERNEL_IDLE_JS})() && window.lrcourseProbe.loading.size === 0"


@dataclass
class Lab:
    url: str
    token: str
    root: Path

    def api(self, method, path):
        req = urllib.request.Request(f"{self.url}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def tree_url(self, path):
        return f"{self.url}/lab/tree/{urllib.parse.quote(path)}?token={self.token}"


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


def _until(condition, deadline_s, what):
    """Polls ``condition()`` until it is true (returned), or fails after ``deadline_s`` saying ``what``."""
    deadline = time.monotonic() + deadline_s
    while not (result := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"{what} (waited {deadline_s} s)")
        time.sleep(0.05)  # a polling interval, not a delay: the condition decides
    return result


@contextlib.contextmanager
def _jupyter_lab(root: Path, state: Path, log: Path):
    """`jupyter lab` serving root on localhost, with the course's settings and its own state."""
    for plugin, values in TEST_SETTINGS.items():
        path = state / "settings" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    labconfig = state / "config" / "labconfig"  # as binder/postBuild and `make lab` install them
    labconfig.mkdir(parents=True)
    shutil.copy(COURSE_SETTINGS, labconfig / "default_setting_overrides.json")
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
             f"--LabApp.workspaces_dir={state / 'workspaces'}", f"--LabApp.user_settings_dir={state / 'settings'}",
             "--LabApp.expose_app_in_browser=True"],  # the test drives JupyterLab's commands
            env=env, stdout=log_file, stderr=subprocess.STDOUT,
            start_new_session=True)  # its own process group, kernels included, for the kill below
    lab = Lab(f"http://127.0.0.1:{port}", token, root)

    def answers():
        if proc.poll() is not None:
            pytest.fail(f"jupyter lab exited with code {proc.returncode}; its log, {log}:\n{log.read_text()[-3000:]}")
        try:
            return lab.api("GET", "/api/status") is not None
        except OSError:
            return False
    try:
        _until(answers, 90, f"jupyter lab did not answer; its log, {log}")
        yield lab
    finally:
        proc.terminate()  # the server shuts its kernels down on SIGTERM
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _notebook(path: Path, cells, outputs=None, metadata=None):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    for cell, out in zip(nb.cells, outputs or []):
        cell.outputs = out
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata.update(metadata or {})
    nbformat.write(nb, path)


def _broken_stored_notebook(path: Path):
    """A saved notebook with what the stored-notebook check must report, and one healthy figure.

    The figure comes from a stored notebook's widget state (with every model it refers to): kept
    whole once, and once without its saved image.
    """
    state, canvas_id = {}, None
    for nb_path in NOTEBOOKS:
        saved = json.loads(nb_path.read_text())["metadata"].get("widgets", {})
        state = saved.get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
        canvas_id = next((k for k, m in state.items() if m["model_name"] == "MPLCanvasModel"
                          and m["state"].get("_data_url")), None)
        if canvas_id:
            break
    assert canvas_id, "no stored notebook holds a saved figure to build the broken notebook from"

    def closure(model_id, into):
        into[model_id] = state[model_id]
        for ref in json.dumps(state[model_id]["state"]).split('"IPY_MODEL_')[1:]:
            ref = ref.split('"')[0]
            if ref in state and ref not in into:
                closure(ref, into)
        return into
    models = closure(canvas_id, {})
    blank = "b" * 32
    models[blank] = copy.deepcopy(models[canvas_id])
    models[blank]["state"]["_data_url"] = None

    def view(model_id):
        data = {"model_id": model_id, "version_major": 2, "version_minor": 0}
        return [nbformat.v4.new_output("display_data", {"application/vnd.jupyter.widget-view+json": data,
                                                        "text/plain": "a widget"})]
    outputs = [
        view(canvas_id),  # healthy
        view("0" * 32),  # a model the saved state lacks
        [nbformat.v4.new_output("error", ename="ValueError", evalue="boom",
                                traceback=["Traceback (most recent call last)", "ValueError: boom"])],
        [nbformat.v4.new_output("display_data", {"image/png": base64.b64encode(b"not a png").decode(),
                                                 "text/plain": "an image"})],
        view(blank),  # a figure without its saved image
    ]
    widgets = {"application/vnd.jupyter.widget-state+json": {"version_major": 2, "version_minor": 0, "state": models}}
    _notebook(path, ["healthy", "missing", "error", "image", "blank"], outputs, {"widgets": widgets})


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
    """One server for every check: the live notebook, copies of the stored notebooks, the broken ones."""
    root = tmp_path_factory.mktemp("root")
    _notebook(root / "live.ipynb", LIVE_CELLS.values())
    (root / "stored").mkdir()
    for nb in NOTEBOOKS:  # with their paired sources, as `make lab` opens them (jupytext pairs them)
        for pair in (nb, nb.with_suffix(".py")):
            if pair.exists():
                shutil.copy2(pair, root / "stored" / pair.name)
    (root / "broken").mkdir()
    _broken_stored_notebook(root / "broken" / "stored.ipynb")
    cells = [
        "import sys; print('a warning', file=sys.stderr)",
        "import ipywidgets, traitlets\n"
        "class Broken(ipywidgets.IntSlider):\n"
        "    _view_name = traitlets.Unicode('NoSuchView').tag(sync=True)  # a view the front end lacks\n"
        "Broken()",
        "raise ValueError('boom')",
    ]
    _notebook(root / "broken" / "run.ipynb", cells)
    with _jupyter_lab(root, tmp_path_factory.mktemp("lab"), ARTIFACTS / "jupyter-server.log") as lab:
        yield lab


@contextlib.contextmanager
def _page(browser, lab, path, shots: Path):
    """A fresh page at 1280 x 800 with JupyterLab showing ``path`` and the file browser; its
    console lands in shots, with a screenshot when something failed; its kernels are shut down after."""
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(STEP_S * 1000)
    context.add_init_script(PROBE_JS)
    page = context.new_page()
    messages = []
    page.on("console", lambda m: messages.append(f"[{m.type}] {m.text}"))
    try:
        page.goto(lab.tree_url(path))
        page.wait_for_function(f"() => {CURRENT}?.context?.path === {json.dumps(path)}", timeout=KERNEL_S * 1000)
        # without these lab extensions widgets show as plain text, which no check below would catch
        loaded = page.evaluate("""() => JSON.parse(document.getElementById('jupyter-config-data').textContent)
            .federated_extensions.map(e => e.name)""")
        missing = set(WIDGET_LAB_EXTENSIONS) - set(loaded)
        assert not missing, f"JupyterLab did not load {sorted(missing)} (only {loaded}); `lrcourse doctor` says why"
        yield page
    except BaseException:
        with contextlib.suppress(Exception):  # a failing screenshot must not hide the failure
            page.screenshot(path=shots / "at-failure.png")
        raise
    finally:
        (shots / "browser-console.log").write_text("\n".join(messages))
        context.close()
        with contextlib.suppress(OSError):  # nor a server that is gone
            for session in lab.api("GET", "/api/sessions"):
                lab.api("DELETE", f"/api/sessions/{session['id']}")


def _run_all(page, where):
    """Runs every cell of the current notebook once its kernel is idle; waits until all ran or one failed."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(KERNEL_IDLE_JS, timeout=KERNEL_S * 1000)
        page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")  # not awaited
        # "[*]:" while queued or running, "[3]:" once run, "[ ]:" never run (cells after a failing one)
        page.wait_for_function(f"""() => {{
          const prompts = Array.from({CURRENT}.node.querySelectorAll('.jp-CodeCell .jp-InputPrompt'))
            .map(p => p.textContent.trim());
          return prompts.some(p => /\\d/.test(p)) && !prompts.includes('[*]:') && ({KERNEL_IDLE_JS})()
            && !{CURRENT}.node.textContent.includes('Loading widget...');
        }}""", timeout=KERNEL_S * 1000)
    except PlaywrightTimeout:
        pytest.fail(f"{where}: Run All did not finish within {KERNEL_S} s")


# Every error a learner would see in the current document: tracebacks in outputs, widgets that failed
# to display, images that did not load, figures drawn from nothing, and errors in the log console.
# JupyterLab 4 renders error outputs like stderr streams, so errors are told from other stderr text
# (warnings, progress bars) by their text: a traceback header, or a "SomeError: message" line.
PROBLEMS_JS = f"""() => {{
  const root = {CURRENT}.node;
  const isError = /Traceback \\(most recent call last\\)|^\\s*[\\w.]*(Error|Exception): /m;
  const clip = s => s.length > 2500 ? s.slice(0, 600) + '\\n[...]\\n' + s.slice(-1900) : s;
  const cells = Array.from(root.querySelectorAll('.jp-Cell'));
  const where = node => {{
    const cell = node.closest('.jp-Cell');
    return cell ? `cell ${{cells.indexOf(cell) + 1}} of ${{cells.length}}` : 'outside the cells';
  }};
  const problems = [];
  for (const out of root.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')) {{
    const text = out.innerText || out.textContent;
    if (isError.test(text)) problems.push(`${{where(out)}}: error output:\\n${{clip(text)}}`);
  }}
  // a widget view that failed shows a broken-page icon; clicking it shows the error, as a learner would
  for (const broken of root.querySelectorAll('.jupyter-widgets-error-widget')) {{
    if (broken.classList.contains('icon-error')) broken.click();
    problems.push(`${{where(broken)}}: widget not displayed:\\n${{clip(broken.innerText || broken.textContent)}}`);
  }}
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {{
    const text = walker.currentNode.textContent;
    if (text.includes('Error displaying widget'))
      problems.push(`${{where(walker.currentNode.parentElement)}}: ${{text.trim()}}`);
  }}
  for (const img of root.querySelectorAll('.jp-OutputArea-output img'))
    if (!img.complete || !img.naturalWidth) problems.push(`${{where(img)}}: an image that does not load`);
  for (const canvas of root.querySelectorAll('.jupyter-matplotlib-canvas-div canvas:first-child')) {{
    const d = canvas.width && canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let inked = false;  // a pixel drawn (not transparent) and not white
    for (let i = 0; d && i < d.length && !inked; i += 4) inked = d[i + 3] > 0 && (d[i] < 250 || d[i + 1] < 250 || d[i + 2] < 250);
    if (!inked) problems.push(`${{where(canvas)}}: a figure with nothing drawn`);
  }}
  for (const entry of document.querySelectorAll('.jp-LogConsolePanel .jp-OutputArea-child')) {{
    const level = entry.querySelector('[data-log-level]')?.dataset.logLevel;
    const text = entry.querySelector('.jp-OutputArea-output')?.innerText || '';
    if (level === 'error' || level === 'critical' || isError.test(text))
      problems.push(`log console (${{level}}):\\n${{clip(text)}}`);
  }}
  return problems;
}}"""


def _problems(page):
    return list(dict.fromkeys(page.evaluate(PROBLEMS_JS)))  # a callback failing at each key press: once


def _report(where, problems):
    return f"{where}: {len(problems)} problem(s) in the browser:\n\n" + "\n\n".join(problems)


# ---------------------------------------------------------------------------------------- live panels
# Marks each panel (the top-level lrcourse panel in each cell's output) and its canvases: figure
# "<panel index>.<canvas index>", and returns how many canvases each panel has.
MARK_PANELS_JS = f"""() => {{
  const cells = Array.from({CURRENT}.node.querySelectorAll('.jp-CodeCell')).slice(1);
  return cells.map((cell, i) => {{
    const panel = cell.querySelector('.jp-OutputArea-output .lrcourse-panel');
    if (!panel) return -1;
    panel.dataset.lrcoursePanel = String(i);
    const canvases = panel.querySelectorAll('.jupyter-matplotlib-canvas-div canvas:first-child');
    canvases.forEach((c, j) => {{ c.dataset.lrcourseFigure = `${{i}}.${{j}}`; }});
    return canvases.length;
  }});
}}"""

# Whether a panel fits the notebook's view, and every label, readout, button, menu and figure in it
# stands apart from the others, with its text whole
LAYOUT_JS = f"""i => {{
  const panel = document.querySelector(`[data-lrcourse-panel="${{i}}"]`);
  const view = {CURRENT}.node.querySelector('.jp-WindowedPanel-outer');
  const out = panel.closest('.jp-OutputArea-output');
  const r = panel.getBoundingClientRect(), o = out.getBoundingClientRect();
  const problems = [];
  if (r.height > view.clientHeight)
    problems.push(`${{Math.round(r.height)}} px tall, but the notebook shows ${{view.clientHeight}} px`);
  if (r.right > o.right + 1 || out.scrollWidth > out.clientWidth + 1)
    problems.push(`${{Math.round(r.width)}} px wide (content ${{out.scrollWidth}} px), the output area is ${{Math.round(o.width)}} px`);
  const shown = el => el.checkVisibility({{opacityProperty: true, visibilityProperty: true}})
    && el.getBoundingClientRect().width > 0;
  const name = el => `${{el.tagName.toLowerCase()}}.${{el.className.split(' ')[0]}} "${{(el.innerText || el.value || '').trim().slice(0, 30)}}"`;
  const items = Array.from(panel.querySelectorAll(
    '.widget-label, .widget-label-basic, .widget-readout, button, select, .jupyter-matplotlib-canvas-div'))
    .filter(shown);
  for (const el of items)
    if ((el.matches('.widget-label, .widget-readout, button')) && el.scrollWidth > el.clientWidth + 1)
      problems.push(`${{name(el)}} is cut off: its text needs ${{el.scrollWidth}} px, it has ${{el.clientWidth}}`);
  for (let a = 0; a < items.length; a++)
    for (let b = a + 1; b < items.length; b++) {{
      const p = items[a], q = items[b];
      if (p.contains(q) || q.contains(p)) continue;
      const x = p.getBoundingClientRect(), y = q.getBoundingClientRect();
      const w = Math.min(x.right, y.right) - Math.max(x.left, y.left);
      const h = Math.min(x.bottom, y.bottom) - Math.max(x.top, y.top);
      if (w > 1 && h > 1) problems.push(`${{name(p)}} overlaps ${{name(q)}} by ${{Math.round(w)}} x ${{Math.round(h)}} px`);
    }}
  return {{height: Math.round(r.height), width: Math.round(r.width), view: view.clientHeight, problems}};
}}"""


class LivePanels:
    """The live notebook's page: its panels, their figures, and actions that wait for their effect."""

    def __init__(self, page):
        self.page = page

    def count(self, figure):
        return self.page.evaluate("id => window.lrcourseProbe.count(id)", figure)

    def pixels(self, figure):
        return self.page.evaluate("id => window.lrcourseProbe.pixels(id)", figure)

    def act(self, figure, action, what):
        """Does ``action`` and waits for a new frame on ``figure`` and an idle kernel; returns the
        milliseconds from the last key press before the frame to the frame."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        before = self.count(figure)
        action()
        try:
            self.page.wait_for_function(f"([id, n]) => window.lrcourseProbe.count(id) > n && ({SETTLED_JS})()",
                                        arg=[figure, before], timeout=STEP_S * 1000)
        except PlaywrightTimeout:
            pytest.fail(f"{what}: figure {figure} was not redrawn within {STEP_S} s")
        return self.page.evaluate("""id => {
            const p = window.lrcourseProbe, key = p.keys[p.keys.length - 1];
            const drawn = key === undefined ? null : p.firstAfter(id, key);
            return drawn === null ? null : drawn - key; }""", figure)

    def panel(self, i):
        return self.page.locator(f"[data-lrcourse-panel='{i}']")

    def slider(self, i, label):
        """The handle of the slider labelled ``label`` in panel ``i``."""
        row = self.panel(i).locator(".widget-slider, .jupyter-widget-slider").filter(
            has=self.page.locator(".widget-label", has_text=label)).first
        return row.locator(".noUi-handle[role=slider]").first

    def press(self, i, figure, label, keys, what):
        """Presses ``keys`` on the slider ``label`` of panel ``i``; returns each key's latency (ms)."""
        handle = self.slider(i, label)
        handle.scroll_into_view_if_needed()
        handle.focus()
        return [self.act(figure, lambda k=key: self.page.keyboard.press(k), f"{what}, {key} on {label}")
                for key in keys]

    def changes(self, figure, action, what):
        """Does ``action``, waits for its frame, and asserts that the figure's pixels changed."""
        before = self.pixels(figure)
        self.act(figure, action, what)
        assert self.pixels(figure) != before, f"{what}: the figure did not change"

    def slide(self, i, label, what):
        """Moves the slider ``label`` of panel ``i`` one step and asserts that its figure changed."""
        figure = f"{i}.0"
        before = self.pixels(figure)
        self.press(i, figure, label, ["ArrowRight"], what)
        assert self.pixels(figure) != before, f"{what}: {label} moved but its figure did not change"

    def kernel(self, code):
        """Runs ``code`` in the notebook's kernel (as a cell would, unseen) and returns what it printed."""
        return self.page.evaluate(f"""async code => {{
          const future = {CURRENT}.sessionContext.session.kernel.requestExecute({{code, silent: false}});
          let out = '';
          future.onIOPub = m => {{ if (m.header.msg_type === 'stream') out += m.content.text; }};
          const late = new Promise(resolve => setTimeout(() => resolve('late'), {STEP_S * 1000}));
          return await Promise.race([future.done, late]) === 'late' ? 'no answer from the kernel' : out;
        }}""", code)


def _latency_report(name, latencies):
    ms = [round(x) for x in latencies]
    return f"{name}: median {statistics.median(latencies):.0f} ms over {len(ms)} presses, {ms}"


def _check_live(page, shots):
    """Every check of the live notebook (see the module's docstring)."""
    where = f"live.ipynb (see {shots})"
    assert page.locator("#filebrowser").is_visible(), "JupyterLab's file browser should be open, as for a new user"
    _run_all(page, where)
    counts = page.evaluate(MARK_PANELS_JS)
    assert counts == [2 if name == "shoot-out" else 1 for name in PANELS], \
        f"{where}: panels and their figures per cell: {dict(zip(PANELS, counts))} (-1: no panel)"
    figures = [f"{i}.{j}" for i, n in enumerate(counts) for j in range(n)]
    page.wait_for_function(f"ids => ids.every(id => window.lrcourseProbe.pixels(id).inked > 0) && ({KERNEL_IDLE_JS})()",
                           arg=figures, polling=100)  # each figure's first frame
    page.screenshot(path=shots / "after-run-all.png")
    problems = _problems(page)
    assert not problems, _report(where, problems)
    live = LivePanels(page)
    at = {name: i for i, name in enumerate(PANELS)}
    toast = page.locator(".jp-Notification-Toast", has_text="news")
    assert not toast.count(), "JupyterLab asks about Jupyter news: the course's settings should switch it off"

    # ---- every panel fits the view, nothing overlaps, nothing is cut off
    fit = {}
    for name, i in at.items():
        got = page.evaluate(LAYOUT_JS, i)
        assert not got["problems"], f"{where}, {name} panel:\n" + "\n".join(got["problems"])
        fit[name] = f"{got['height']} x {got['width']} px"
    print(f"\nlive panels (height x width; the notebook shows {got['view']} px):", fit)

    # ---- the explorers: latency of a key press to its first new pixels, a fast drag, pin and reset
    explorer = at["explorer"]
    f_ex, f_10k = f"{explorer}.0", f"{at['explorer 10k']}.0"
    keys = ["ArrowRight", "ArrowLeft"] * 6
    default = live.press(explorer, f_ex, "pct_start", keys, f"{where}, explorer")
    rescaled = live.press(explorer, f_ex, "max_lr", keys, f"{where}, explorer")
    long = live.press(at["explorer 10k"], f_10k, "pct_start", keys, f"{where}, 10,000-step explorer")
    long_rescaled = live.press(at["explorer 10k"], f_10k, "max_lr", keys, f"{where}, 10,000-step explorer")
    print("key press to first new pixels on the canvas (Chromium, reported, not asserted):")
    print("  " + _latency_report("default explorer (OneCycleLR, 300 steps), pct_start", default))
    print("  " + _latency_report("default explorer, max_lr (the axes rescale)", rescaled))
    print("  " + _latency_report("10,000-step OneCycleLR explorer, pct_start", long))
    print("  " + _latency_report("10,000-step OneCycleLR explorer, max_lr (the axes rescale)", long_rescaled))
    page.screenshot(path=shots / "explorers.png")

    # a fast drag: many values, a few frames, and the last frame shows the last value
    handle = live.slider(at["explorer 10k"], "pct_start")
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    before, moves = live.count(f_10k), 30
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 120, y, steps=moves)
    page.mouse.up()
    released = page.evaluate("performance.now()")
    # done: no new frame for half a second, the kernel idle, no frame loading (widget messages may be
    # handled in a kernel subshell, so a cell's reply does not tell that they are done)
    page.wait_for_function(f"""id => performance.now() - (window.lrcourseProbe.draws.filter(d => d[0] === id)
        .pop() || [0, 0])[1] > 500 && ({SETTLED_JS})()""", arg=f_10k, polling=50)
    value = live.kernel("print(explorer_10k.settings()['params']['pct_start'])").strip()
    frames = live.count(f_10k) - before
    last = page.evaluate("id => window.lrcourseProbe.draws.filter(d => d[0] === id).pop()[1]", f_10k)
    print(f"  a fast drag of pct_start on the 10,000-step explorer: {moves} moves, {frames} frames, "
          f"the last {last - released:.0f} ms after the mouse was released")
    readout = live.slider(at["explorer 10k"], "pct_start").locator(
        "xpath=ancestor::div[contains(@class, 'widget-slider')][1]").locator(".widget-readout").first
    assert float(readout.text_content()) == pytest.approx(float(value), abs=1e-3), \
        f"{where}: after a drag the slider shows {readout.text_content()}, the kernel has {value}"
    assert 1 <= frames < moves, f"{where}: a drag of {moves} moves drew {frames} frames: they were not coalesced"
    shown = live.pixels(f_10k)
    live.act(f_10k, lambda: live.kernel("explorer_10k.figure.redraw()"), f"{where}, a redraw of the last value")
    assert live.pixels(f_10k) == shown, f"{where}: the frame left after a drag is not the last value's"

    live.kernel("first = explorer.settings()")
    live.slide(explorer, "div_factor", f"{where}, explorer")
    for key, label in (("pin", "pin this curve"), ("reset", "reset")):
        button = live.panel(explorer).get_by_role("button", name=label)
        live.changes(f_ex, button.click, f"{where}, explorer's {key} button")
    reset = live.kernel("print(explorer.settings() == first, sorted(k for k in explorer.lines if 'pin' in k))")
    assert reset.strip() == "True []", f"{where}: reset left the explorer at other settings or with pins ({reset})"

    # dropdowns: another scheduler brings its own controls (CyclicLR has the most) and still fits
    select = live.panel(explorer).locator("select").first
    live.changes(f_ex, lambda: select.select_option("CyclicLR"), f"{where}, the scheduler dropdown")
    got = page.evaluate(LAYOUT_JS, explorer)
    assert not got["problems"], f"{where}, explorer with CyclicLR:\n" + "\n".join(got["problems"])
    print(f"  explorer with CyclicLR's controls: {got['height']} x {got['width']} px")
    page.screenshot(path=shots / "explorer-cyclic.png")

    # ---- the other panels' sliders
    for name, label in (("finder", "beta"), ("stepping", "steps_per_epoch"), ("gradient descent", "lr"),
                        ("shoot-out", "initial lr")):
        live.slide(at[name], label, f"{where}, {name}")

    # ---- buttons that start work: Train then Stop, and Add to shoot-out
    train = live.panel(at["train"])
    f_train = f"{at['train']}.0"
    before = live.pixels(f_train)
    train.get_by_role("button", name="Train").click()
    train.get_by_role("button", name="Stop").click()  # a click waits until the button is enabled: the run is going
    page.wait_for_function(f"""() => document.querySelector('[data-lrcourse-panel="{at['train']}"]')
        .textContent.includes('stopped after')""", timeout=STEP_S * 1000)
    page.wait_for_function(SETTLED_JS)
    assert live.pixels(f_train) != before, f"{where}: Train ran, but the train-live figure did not change"
    assert train.locator("table").count() and "#1 y=2x StepLR" in train.inner_text(), \
        f"{where}: the stopped run is not on the leaderboard"
    page.screenshot(path=shots / "train-stopped.png")
    shoot = live.panel(at["shoot-out"])
    live.changes(f"{at['shoot-out']}.1", shoot.get_by_role("button", name="Add to shoot-out").click,
                 f"{where}, Add to shoot-out")
    page.wait_for_function(f"""() => document.querySelector('[data-lrcourse-panel="{at['shoot-out']}"]')
        .textContent.includes('yours 1: StepLR')""", timeout=STEP_S * 1000)

    _open_log_console(page)
    problems = _problems(page)
    assert not problems, _report(f"{where}, after the clicks and key presses", problems)


def _open_log_console(page):
    page.evaluate("() => { window.jupyterapp.commands.execute('logconsole:open'); }")
    page.wait_for_function("() => !!document.querySelector('.jp-LogConsolePanel')")


# ---------------------------------------------------------------------------------------- stored notebooks
# Outputs and widgets shown (each widget view rendered, or its error), and images loaded
STORED_SHOWN_JS = f"""path => {{
  const w = {CURRENT};
  if (!w || w.context?.path !== path || !w.context.isReady || !({KERNEL_IDLE_JS})()) return false;
  return w.node.querySelectorAll('.jp-Cell').length === w.model.cells.length
    && !w.node.textContent.includes('Loading widget...')
    && Array.from(w.node.querySelectorAll('.jp-OutputArea-output img')).every(i => i.complete);
}}"""
# every figure restored from its saved image has drawn it (an image loads asynchronously)
FIGURES_DRAWN_JS = f"""() => Array.from({CURRENT}.node.querySelectorAll('.jupyter-matplotlib-canvas-div canvas:first-child'))
  .every(c => c.width && c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some((v, i) => i % 4 === 3 && v > 0))"""


def _check_stored(page, path, kernel_id, shots):
    """Opens ``path`` as saved and returns what a learner would see go wrong, without running a cell.

    As a new learner first sees it (untrusted: widgets show their PNG, never their state), then
    trusted, as after a click on "Trust": the saved widget state renders. The notebook joins an
    idle kernel that never runs a cell, so widgets restore from the notebook's saved state alone.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    where = f"{path}, as saved (see {shots})"
    page.evaluate("""([path, id]) => { window.jupyterapp.commands.execute('docmanager:open',
        {path, factory: 'Notebook', kernel: {id, name: 'python3'}}); }""", [path, kernel_id])
    problems = []
    for trusted in (False, True):
        if trusted:
            page.evaluate(f"() => {{ {CURRENT}.content.widgets.forEach(cell => {{ cell.model.trusted = true; }}); }}")
        try:
            page.wait_for_function(STORED_SHOWN_JS, arg=path, timeout=STEP_S * 1000)
        except PlaywrightTimeout:
            dialogs = page.evaluate("() => Array.from(document.querySelectorAll('.jp-Dialog')).map(d => d.innerText)")
            pytest.fail(f"{where}: not shown within {STEP_S} s; dialogs: {dialogs}")
        with contextlib.suppress(PlaywrightTimeout):  # a figure never drawn is reported below
            page.wait_for_function(FIGURES_DRAWN_JS, timeout=3000, polling=100)
        problems += [("trusted: " if trusted else "untrusted: ") + p for p in _problems(page)]
    if problems:
        page.screenshot(path=shots / f"{Path(path).stem}.png")
    page.evaluate(f"() => {{ {CURRENT}.dispose(); }}")
    return where, list(dict.fromkeys(problems))


# ---------------------------------------------------------------------------------------- the tests
def test_there_are_notebooks():
    assert NOTEBOOKS, f"no *.ipynb in {NOTEBOOK_DIR}: the browser test has nothing to check"


def test_live_panels_and_stored_notebooks(browser, lab):
    shots = ARTIFACTS
    shutil.rmtree(shots / "live", ignore_errors=True)
    shutil.rmtree(shots / "stored", ignore_errors=True)
    print(f"\nbrowser artefacts: {shots}")
    start = time.monotonic()
    with _page(browser, lab, "live.ipynb", shots / "live") as page:
        _check_live(page, shots / "live")
        live_s = time.monotonic() - start
        (shots / "stored").mkdir(parents=True)
        kernel = lab.api("POST", "/api/kernels")["id"]  # one idle kernel, joined by each stored notebook
        failures = []
        for nb in NOTEBOOKS:
            where, problems = _check_stored(page, f"stored/{nb.name}", kernel, shots / "stored")
            if problems:
                failures.append(_report(where, problems))
    print(f"live panels {live_s:.0f} s, {len(NOTEBOOKS)} stored notebooks {time.monotonic() - start - live_s:.0f} s")
    assert not failures, "\n\n".join(failures)


def test_errors_are_reported(browser, lab, tmp_path):
    """The checks above can fail: in a saved notebook, a widget whose model is missing, an error
    output, a broken image and a figure without its saved image are reported, and a healthy figure
    is not; in a notebook that runs, a cell that raises and a widget the front end cannot display
    are reported, with their errors, and a warning on stderr is not."""
    with _page(browser, lab, "broken/run.ipynb", tmp_path) as page:
        _run_all(page, "broken/run.ipynb")
        run = _problems(page)
        # a kernel of its own: one that holds widgets (run.ipynb's) would restore those instead
        _, stored = _check_stored(page, "broken/stored.ipynb", lab.api("POST", "/api/kernels")["id"], tmp_path)
    assert len(run) == 2, run
    assert "cell 3 of 3: error output" in run[0] and "ValueError: boom" in run[0], run
    assert "cell 2 of 3: widget not displayed" in run[1] and "NoSuchView" in run[1], run
    text = "\n".join(stored)
    assert "trusted: cell 2 of 5: Error displaying widget: model not found" in text, stored
    for trust in ("untrusted", "trusted"):
        assert f"{trust}: cell 3 of 5: error output" in text, stored
        assert f"{trust}: cell 4 of 5: an image that does not load" in text, stored
    assert "trusted: cell 5 of 5: a figure with nothing drawn" in text and "cell 1 of 5" not in text, stored
    assert len(stored) == 6, stored
