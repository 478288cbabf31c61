"""The one place salesops reaches past typer into click, the library typer is built on.

salesops runs its Typer app with `standalone_mode=False` so that every failure
becomes its own `error: …` line and exit code (see `salesops.cli.main`); that
needs click's exception classes; the docs walk the command tree with click's
`Context`, and `-o` finds the running command's workspace from its context. typer does not re-export them: since 0.26 it carries its
own copy of click as the private `typer._click`. pyproject.toml asks for a
typer that has it (`tests/test_architecture.py` keeps this the only import).
"""

from __future__ import annotations

from typer import _click as click
from typer._click.globals import get_current_context

ClickException = click.exceptions.ClickException
UsageError = click.exceptions.UsageError
Context = click.Context

__all__ = ["ClickException", "Context", "UsageError", "get_current_context"]
