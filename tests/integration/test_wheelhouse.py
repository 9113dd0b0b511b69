"""A wheelhouse built with the lock installs into a fresh virtual environment with the network refused."""
import os
import subprocess
import sys
import venv

from lrcourse.lockfile import lock_path, read_lock
from lrcourse.wheelhouse import build_wheelhouse, download_command, install_options

# a small project that needs two tiny pure-Python packages of the lock, in place of the course
# (whose torch alone is gigabytes): the same commands, a smaller download
PYPROJECT = """[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"
[project]
name = "tinycourse"
version = "0.1"
dependencies = ["six", "tqdm"]
"""


def _no_network_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    refused = "http://127.0.0.1:9"  # nothing listens there: any attempt to reach an index fails
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL=refused + "/simple", http_proxy=refused,
               https_proxy=refused, HTTP_PROXY=refused, HTTPS_PROXY=refused, PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


def test_the_commands_target_another_system():
    cmd = download_command("wh", platform="manylinux_2_28_x86_64", python_version="3.11", torch="cpu")
    assert cmd[cmd.index("--python-version") + 1] == "3.11" and "--only-binary=:all:" in cmd
    assert cmd[cmd.index("--index-url") + 1] == "https://download.pytorch.org/whl/cpu"
    assert cmd[-2:] == ["pip", "setuptools"]  # after the course itself: what an editable install builds with


def test_a_wheelhouse_installs_with_the_network_refused(tmp_path):
    project = tmp_path / "tinycourse"
    (project / "tinycourse").mkdir(parents=True)
    (project / "tinycourse" / "__init__.py").write_text("import six, tqdm\n")
    (project / "pyproject.toml").write_text(PYPROJECT)
    lock = read_lock()
    wheels = build_wheelhouse(tmp_path / "wheelhouse", requirements=[str(project), "setuptools"],
                              platform="manylinux_2_28_x86_64", python_version="%d.%d" % sys.version_info[:2])
    names = {w.name.split("-")[0].lower(): w.name.split("-")[1] for w in wheels}
    assert names["six"] == lock["six"] and names["tqdm"] == lock["tqdm"]  # the lock's versions

    target = tmp_path / "venv"
    venv.create(target, with_pip=True)
    python = str(target / "bin" / "python")
    env = _no_network_env()
    install = [python, "-m", "pip", "install", *install_options(tmp_path / "wheelhouse"),
               "-c", str(lock_path()), "-e", str(project)]
    result = subprocess.run(install, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    check = subprocess.run([python, "-c", "import tinycourse, six, tqdm; print(six.__version__, tqdm.__version__)"],
                           capture_output=True, text=True, env=env, cwd=tmp_path)
    assert check.stdout.split() == [lock["six"], lock["tqdm"]]

    # the same install without the wheelhouse fails: the network really is refused
    without = [python, "-m", "pip", "install", "--retries", "0", "--timeout", "2", "--force-reinstall", "six"]
    refused = subprocess.run(without, capture_output=True, text=True, env=env)
    assert refused.returncode != 0
