"""``intacct-assets``: the project's command line. ``intacct-assets doctor`` checks a company, a bucket and
the warehouse file before the first sync (read-only; see README "Before your first sync").

It reads the environment variables the assets read, and a ``.env`` file in the current folder the way
``dagster dev`` does (its values win over the environment's).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import textwrap
from pathlib import Path

import click
from dotenv import dotenv_values

from intacct_assets.doctor import CHECKS, CheckResult, DoctorContext, run_doctor

STATUS_STYLE = {"pass": "green", "warn": "yellow", "fail": "red", "skip": "bright_black"}
CHECK_WIDTH = max(len(check.__name__) for check in CHECKS)
SUBJECT_WIDTH = 18


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """intacct_assets: Sage Intacct <-> DuckDB with Dagster."""


@main.command()
@click.option("--json", "as_json", is_flag=True, help="print one JSON document (for machines) instead of a table")
def doctor(as_json: bool) -> None:
    """Check the Intacct company, the DDS bucket and the warehouse before the first sync.

    Read-only: nothing is written to Intacct. Exits with 1 when a check fails (warnings do not).
    """
    _load_dotenv(Path.cwd() / ".env")
    with DoctorContext.from_env() as ctx:
        report = run_doctor(ctx, on_result=None if as_json else _print_row)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        click.echo(f"\n{report.summary()}" + (": a check failed" if report.failed else ""))
    sys.exit(1 if report.failed else 0)


def _load_dotenv(path: Path) -> None:
    """Like ``dagster dev``: variables of ``.env`` are set, replacing those of the environment."""
    if path.is_file():
        os.environ.update({name: value for name, value in dotenv_values(path).items() if value is not None})


def _print_row(result: CheckResult) -> None:
    """One row: status, check, subject, what was found, then the fix below it. On a terminal, long texts wrap
    under their column; piped, each stays on one line (for grep)."""
    indent = " " * (4 + 2 + CHECK_WIDTH + 2 + SUBJECT_WIDTH + 2)
    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else 0

    def column(text: str) -> str:
        if width - len(indent) < 40:
            return text
        return textwrap.fill(
            text, width, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False, break_long_words=False
        )[len(indent) :]

    status = click.style(result.status.upper().ljust(4), fg=STATUS_STYLE[result.status], bold=result.status == "fail")
    click.echo(
        f"{status}  {result.check.ljust(CHECK_WIDTH)}  {result.subject.ljust(SUBJECT_WIDTH)}  {column(result.found)}"
    )
    if result.fix:
        click.echo(f"{indent}{column(f'fix: {result.fix}')}")


if __name__ == "__main__":
    main()
