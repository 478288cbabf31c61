"""The one place salesops reaches past typer into click, the library typer is built on.

salesops runs its Typer app with `standalone_mode=False` so that every failure
becomes its own `error: …` line and exit code (see `salesops.cli.main`); that
needs click's exception classes, and the docs walk the command tree with
click's `Context`. typer does not re-export them. typer ≥ 0.26 carries its own
copy of click as the private `typer._click`; older typer runs on the `click`
package. Both are tried here, and nowhere else.
"""

from __future__ import annotations

try:  # typer >= 0.26: click vendored inside typer
    from typer import _click as click
except ImportError:  # typer < 0.26: the click package typer depends on
    import click  # type: ignore[no-redef]

ClickException = click.exceptions.ClickException
UsageError = click.exceptions.UsageError
Context = click.Context

__all__ = ["ClickException", "Context", "UsageError"]
