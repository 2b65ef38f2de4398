"""The history and scheduling docs cannot drift from the program: every pgdiag command line they show uses
options that command has, and the pgdiag.toml they show is valid."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from pgdiag.cli.commands import app
from pgdiag.config.loader import load

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = ("history.md", "scheduling.md")
_COMMAND = re.compile(r"pgdiag\s+(scan|history|report)\b(.*)")


def command_lines(text: str) -> list[tuple[str, str]]:
    """(command, rest of the line) for every pgdiag command shown in a code block, continuation lines joined;
    the Kubernetes ``args:`` list counts as a ``scan`` command line."""
    lines, found = text.replace("\\\n", " ").splitlines(), []
    for line in lines:
        match = _COMMAND.search(line)
        if match:
            found.append((match.group(1), match.group(2)))
    joined = " ".join(lines)
    for args in re.findall(r"args: \[scan,(.*?)\]", joined):
        found.append(("scan", args))
    return found


def options_of(command: str) -> set[str]:
    click_command = typer.main.get_command(app).commands[command]
    return {name for param in click_command.params for name in param.opts}


@pytest.mark.parametrize("page", PAGES)
def test_documented_command_lines_use_real_options(page: str) -> None:
    shown = command_lines((DOCS / page).read_text(encoding="utf-8"))
    assert shown, f"no pgdiag command in {page}"
    for command, rest in shown:
        for option in re.findall(r"(?<![\w-])--[a-z][a-z-]*", rest):
            assert option in options_of(command), f"{page}: pgdiag {command} has no {option}"


@pytest.mark.parametrize("page", PAGES)
def test_documented_pgdiag_toml_is_valid(page: str, tmp_path: Path) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", text, re.S)
    blocks += [re.sub(r"^    ", "", b, flags=re.M) for b in re.findall(r"pgdiag\.toml: \|\n(.*?)\n---", text, re.S)]
    assert len(blocks) >= 2, f"{page}: expected pgdiag.toml examples"
    for block in blocks:
        path = tmp_path / "pgdiag.toml"
        path.write_text(re.sub(r"^  ", "", block, flags=re.M), encoding="utf-8")
        load(path)
