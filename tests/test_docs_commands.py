"""Every command the README and docs/ print works as printed: make targets exist, lrcourse commands parse,
and nothing is called in a way that reaches the wrong environment."""
import re
import shlex
from pathlib import Path

import pytest

from lrcourse.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PHONY = set(re.search(r"^\.PHONY:(.*)$", (ROOT / "Makefile").read_text(), re.M).group(1).split())


def _commands(path: Path, inline: bool = True) -> list[str]:
    """Each line of a fenced code block (and each inline `code` span), without its comment."""
    text = path.read_text()
    lines = [line for block in re.findall(r"```[a-z]*\n(.*?)```", text, re.S) for line in block.splitlines()]
    if inline:
        lines += re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S))
    return [line.split(" #")[0].strip() for line in lines if line.strip()]


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_every_make_target_printed_exists(path):
    for command in _commands(path):
        for target in re.findall(r"(?:^|[;(]\s*)make\s+((?:[A-Z_]+=\S+\s+)*)([a-z][\w-]*)", command):
            assert target[1] in PHONY, f"{path.name}: `{command}`: no make target {target[1]!r}"


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_every_lrcourse_command_printed_parses_and_names_its_environment(path):
    parser = build_parser()
    blocks = set(_commands(path, inline=False))  # what readers copy: these must name the environment
    for command in _commands(path):
        words = command.split()
        if words[0] == "lrcourse" or words[0].endswith(("/bin/lrcourse", "\\Scripts\\lrcourse")):
            program, args = words[0], words[1:]
        elif words[1:3] == ["-m", "lrcourse"]:
            program, args = " ".join(words[:3]), words[3:]
        else:
            continue
        assert command not in blocks or program.startswith((".venv/bin/", ".venv\\Scripts\\")) \
            or "-m lrcourse" in program, \
            f"{path.name}: `{command}`: call it as .venv/bin/lrcourse (make lab does not activate the venv)"
        if not args or "[" in command or args[-1] in ("NN", "..."):
            continue  # a placeholder such as [NOTEBOOK ...]
        parser.parse_args(shlex.split(" ".join(args)))  # exits (SystemExit) on an unknown command or option


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_pip_is_the_environments_own_and_torch_is_never_forced_from_pypi(path):
    for command in _commands(path):
        assert "--force-reinstall" not in command, f"{path.name}: `{command}`"
        if re.search(r"(^|\s)pip install \S", command):
            assert re.search(r"-m pip install|pip install --no-deps -e \.", command), \
                f"{path.name}: `{command}`: a bare pip may install into another Python; use .venv/bin/python -m pip"
