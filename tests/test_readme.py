"""The README's command-line reference matches `iuckg --help`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from iuckg.cli import parser

README = Path(__file__).resolve().parents[1] / "README.md"
COMMANDS = ("build", "validate", "serve", "query", "publish", "synth", "links")


def help_text(command: str | None) -> str:
    """What `iuckg [command] --help` prints."""
    p = parser()
    if command is None:
        return p.format_help()
    subparsers = next(a for a in p._actions if a.dest == "command")
    return subparsers.choices[command].format_help()


def readme_block(name: str) -> str:
    """The code block that follows `<!-- cli:NAME -->` in the README."""
    match = re.search(rf"<!-- cli:{name} -->\n```\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert match, f"README has no CLI block for {name}"
    return match.group(1)


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_cli_reference_matches_help(monkeypatch, command):
    monkeypatch.setenv("COLUMNS", "100")
    assert readme_block(command or "iuckg") == help_text(command)


def test_every_command_is_documented():
    subparsers = next(a for a in parser()._actions if a.dest == "command")
    assert set(subparsers.choices) == set(COMMANDS)
