"""`make lab` serves notebooks/ on localhost, behind a token."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening_addresses(pid: int, port: int) -> set[str]:
    """The local addresses that ``pid`` or its children listen on at ``port``."""
    import psutil

    found = set()
    for proc in [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]:
        try:
            conns = proc.net_connections(kind="inet")
        except psutil.Error:
            continue
        found |= {c.laddr.ip for c in conns if c.status == psutil.CONN_LISTEN and c.laddr.port == port}
    return found


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make (apt-get install make)")
def test_make_lab_serves_notebooks_behind_a_token(tmp_path):
    port = _free_port()
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path), "BROWSER": "true"}
    proc = subprocess.Popen(["make", "lab", f"PORT={port}"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        url, log = None, []
        deadline = time.time() + 120
        while time.time() < deadline and url is None:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                break
            log.append(line)
            m = re.search(rf"(http://127\.0\.0\.1:{port}/lab\?token=([0-9a-f]+))", line)
            url = m and m.group(1)
        assert url, "make lab did not print its URL:\n" + "".join(log[-30:])
        token = url.rsplit("=", 1)[1]
        base = f"http://127.0.0.1:{port}/api/contents"
        code = None
        while time.time() < deadline and code is None:
            try:
                urllib.request.urlopen(base, timeout=10)
                code = 200
            except urllib.error.HTTPError as err:
                code = err.code
            except urllib.error.URLError:  # still starting
                time.sleep(0.5)
        assert code == 403, "without the token the server must refuse"
        with urllib.request.urlopen(f"{base}?token={token}", timeout=10) as r:
            names = {c["name"] for c in json.load(r)["content"]}
        assert "00_start_here.ipynb" in names, "the server's root is notebooks/"
        # the course's settings (binder/jupyterlab_settings.json, as on Binder): no "Jupyter news?" pop-up
        settings = f"http://127.0.0.1:{port}/lab/api/settings/@jupyterlab/apputils-extension:notification"
        with urllib.request.urlopen(f"{settings}?token={token}", timeout=10) as r:
            news = json.load(r)["schema"]["properties"]["fetchNews"]["default"]
        assert news == "false", f"make lab would ask about Jupyter news (fetchNews defaults to {news!r})"
        listening = _listening_addresses(proc.pid, port)
        assert listening, f"no process of `make lab` listens on port {port}"
        assert listening <= {"127.0.0.1"}, f"bound to {listening}: it must listen on localhost only"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
