"""Settings for the whole test run, unit tests and notebooks alike (fixtures are in tests/conftest.py)."""
import os
import shutil
import tempfile

_USERS_DATA = os.environ.get("LRCOURSE_DATA")


def pytest_configure(config):
    """Every test and every notebook (nbval's kernels inherit this) runs on the offline sample.

    Whatever MNIST this machine holds (full MNIST in data/, a folder in LRCOURSE_DATA), the
    run points LRCOURSE_DATA at an empty folder and forbids downloads, so the compared
    outputs mean the same on every machine. Tests that need other data set their own root.
    """
    root = tempfile.mkdtemp(prefix="lrcourse-test-data-")
    config.lrcourse_data_root = root
    os.environ["LRCOURSE_DATA"] = root
    os.environ["LRCOURSE_OFFLINE"] = "1"
    # every stored solution that nbval executes must pass its check (it raises otherwise)
    os.environ["LRCOURSE_STRICT_CHECKS"] = "1"


def pytest_collection_modifyitems(config, items):
    """Integration tests (tests/integration/) and the notebooks are ``slow``: `make test-fast` leaves them out."""
    for item in items:
        path = str(item.path)
        if "/integration/" in path.replace("\\", "/") or path.endswith(".ipynb"):
            item.add_marker("slow")


def pytest_unconfigure(config):
    root = getattr(config, "lrcourse_data_root", None)
    if root:
        shutil.rmtree(root, ignore_errors=True)


def pytest_report_header(config):
    ignored = f" (LRCOURSE_DATA={_USERS_DATA} is not read)" if _USERS_DATA else ""
    return ("lrcourse: tests and notebooks run on the offline MNIST sample: LRCOURSE_DATA is an empty "
            f"folder and LRCOURSE_OFFLINE=1{ignored}")
