"""Every command and option says what it does (help text) and is shown in use in the README or docs/."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from grader.cli import cli

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]


def _commands(command: click.Command, path: list[str]):
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            if not sub.hidden:
                yield from _commands(sub, [*path, name])


def _usage_lines() -> list[str]:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]
    return [line for page in pages for line in page.read_text(encoding="utf-8").splitlines() if "lawstudy " in line]


def test_every_command_and_option_has_help_text():
    missing = []
    for path, command in _commands(cli, []):
        name = " ".join(path) or "lawstudy"
        if path and not (command.help or command.short_help):
            missing.append(name)
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden and not param.help:
                missing.append(f"{name} {param.opts[0]}")
    assert not missing, f"commands and options without help text: {missing}"


def test_every_command_and_option_has_an_example_in_the_readme_or_docs():
    lines = _usage_lines()
    missing = []
    for path, command in _commands(cli, []):
        if not path or isinstance(command, click.Group):
            continue
        name = " ".join(path)
        pattern = re.compile(r"lawstudy\s+" + r"\s+".join(map(re.escape, path)) + r"(?![\w-])")
        examples = [line for line in lines if pattern.search(line)]
        if not examples:
            missing.append(name)
            continue
        for param in command.params:
            if not isinstance(param, click.Option) or param.hidden:
                continue
            flags = [*param.opts, *param.secondary_opts]
            if not any(re.search(re.escape(flag) + r"(?![\w-])", line) for line in examples for flag in flags):
                missing.append(f"{name} {param.opts[0]}")
    assert not missing, f"no example (a line `lawstudy COMMAND ... --option`) in README.md or docs/: {missing}"
