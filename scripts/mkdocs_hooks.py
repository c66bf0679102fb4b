"""mkdocs hooks: the command-line reference is generated from the commands' own ``--help`` when the site builds,
so it cannot drift from the code (the marker ``<!-- convtext --help -->`` in docs/reference/cli.md); convtext's
log goes to stderr while the course's code runs."""

from __future__ import annotations

import logging
import sys

MARKER = "<!-- convtext --help -->"


def _help_pages() -> str:
    """Markdown: one section per verb and sub-verb, each with its ``--help`` as the command prints it."""
    import typer.main
    from typer.testing import CliRunner

    from convtext.cli import app
    from convtext.cli._lazy import load_verb

    runner, sections = CliRunner(), []
    root = typer.main.get_command(app)
    environment = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}

    def add(words: list[str]) -> None:
        printed = runner.invoke(app, [*words, "--help"], env=environment, prog_name="convtext").output
        title = " ".join(["convtext", *words])
        sections.append(f"## `{title}`\n\n```text\n{printed.rstrip()}\n```\n")

    add([])
    for name in root.list_commands(None):
        command = load_verb(name)
        add([name])
        for sub in getattr(command, "commands", {}):
            add([name, sub])
    return "\n".join(sections)


def on_startup(command, dirty) -> None:
    """convtext's warnings from the course's code go to the real stderr: the course's code runs while its
    printed output is being captured, and a handler of that capture would write to a closed stream later."""
    logger = logging.getLogger("convtext")
    logger.addHandler(logging.StreamHandler(sys.__stderr__))
    logger.propagate = False


def on_page_markdown(markdown: str, page, config, files) -> str:
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, _help_pages())
