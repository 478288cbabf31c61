"""Command line: parse, call the core, render. Heavy libraries load per command.

`main()` is the console script: it turns every failure into `error: …` lines
on stderr with the SPEC's exit codes, and never shows a traceback unless
`--debug` is given.
"""

from __future__ import annotations

import os
import sys

from salesops.errors import EXIT_USAGE, SalesopsError


def _load_commands():
    from salesops.cli import app as app_module
    from salesops.cli import (  # noqa: F401  (each module attaches its commands)
        collect,
        desk,
        flow,
        follow,
        importer,
        incentives,
        init,
        records,
        reports,
        validate,
    )

    _resolve_annotations(app_module.app)
    return app_module.app


def _resolve_annotations(app) -> None:
    """Turn the command functions' string annotations into objects, once per distinct string.

    The command modules use `from __future__ import annotations`, so typer
    would evaluate every annotation through `typing.get_type_hints`, which
    compiles each string afresh: a third of `salesops --help`. Evaluating each
    distinct string once, in the function's own globals, gives typer the same
    objects.
    """
    seen: dict[tuple[int, str], object] = {}
    todo = [app]
    while todo:
        typer_app = todo.pop()
        infos = [*typer_app.registered_commands, *typer_app.registered_groups]
        if typer_app.registered_callback is not None:
            infos.append(typer_app.registered_callback)
        for info in infos:
            sub = getattr(info, "typer_instance", None)
            if hasattr(sub, "registered_commands"):
                todo.append(sub)
            func = getattr(info, "callback", None)
            annotations = getattr(func, "__annotations__", None)
            if not annotations:
                continue
            scope = func.__globals__
            for name, value in list(annotations.items()):
                if isinstance(value, str):
                    key = (id(scope), value)
                    if key not in seen:
                        try:
                            seen[key] = eval(value, scope)  # what get_type_hints would do
                        except Exception:  # leave it to typer (and its message)
                            continue
                    annotations[name] = seen[key]


# A command allocates millions of short-lived objects (cells, frames' texts) and makes few
# reference cycles: the cyclic collector's passes every 700 allocations (Python's default)
# took 0.08 s of a cold `validate` on M, every 20,000 they take 0.04 s.
COLLECT_EVERY = 20_000


def main(argv: list[str] | None = None) -> None:
    """Run the CLI and exit with the SPEC's exit code, everything said in the command's language."""
    from salesops import i18n

    args = list(sys.argv[1:] if argv is None else argv)
    if argv is None:  # the process is the command's: see `COLLECT_EVERY`
        import gc

        gc.set_threshold(COLLECT_EVERY, 10, 10)
    token = i18n.set_lang(command_lang(args))
    try:
        _run(args, argv is None)
    finally:
        i18n.reset(token)


def command_lang(args: list[str]) -> str | None:
    """The language of this run: `--lang`, else the workspace's `lang` setting, else None (the locale).

    Read from the arguments before click parses them, so that `--help`, usage
    errors and everything before the workspace is opened speak it too.
    """
    from salesops.settings import workspace_lang

    lang = workspace = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        name, eq, value = arg.partition("=")
        if name in ("--lang", "--workspace", "-w") and not eq:
            value = args[i + 1] if i + 1 < len(args) else ""
        elif arg.startswith("-w") and len(arg) > 2 and not arg.startswith("--"):
            name, value = "-w", arg[2:]
        if name == "--lang" and value in ("en", "zh"):
            lang = value
        elif name in ("-w", "--workspace") and workspace is None:
            workspace = value
    return lang or workspace_lang(workspace or os.environ.get("SALESOPS_WORKSPACE") or ".")


def _run(args: list[str], console_script: bool) -> None:
    import typer

    from salesops.cli.clicklib import ClickException, UsageError
    from salesops.cli.translate import SEE_HELP, translate_tree, usage_message
    from salesops.i18n import _

    debug = "--debug" in args or os.environ.get("SALESOPS_DEBUG") == "1"
    command = _command(typer, translate_tree)
    try:
        try:
            code = command.main(args, prog_name="salesops", standalone_mode=False)
        finally:
            _settle()
    except UsageError as exc:
        message = usage_message(exc.format_message())
        if exc.ctx:
            message = _(SEE_HELP).format(message=message, command=exc.ctx.command_path)
        _fail([message], EXIT_USAGE)
    except ClickException as exc:
        _fail([usage_message(exc.format_message())], exc.exit_code)
    except typer.Exit as exc:  # e.g. exit 3 of --fail-on-overdue, after the output
        code = exc.exit_code
    except typer.Abort:
        _fail([_("aborted")], 1)
    except SalesopsError as exc:
        if debug:
            import traceback

            traceback.print_exc()
        _fail(exc.lines(), exc.exit_code)
    except KeyboardInterrupt:
        _fail([_("interrupted; nothing was written")], 130)
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(0)
    except OSError as exc:  # a disk or permission failure off the storage paths: still one line
        if debug:
            raise
        _fail([_os_error(exc)], 1)
    except Exception as exc:  # a bug: say so plainly, traceback only on request
        if debug:
            raise
        _fail(
            [
                _("internal error: {error} (run with --debug for details)").format(
                    error=f"{type(exc).__name__}: {exc}"
                )
            ],
            1,
        )
    code = code if isinstance(code, int) else 0
    if console_script:  # the console script: done once the output is out
        _fast_exit(code)
    sys.exit(code)


_COMMANDS: dict[str, object] = {}  # the click command tree per language, built once per process


def _command(typer, translate_tree):
    """The click command tree, its help in the current language: built once per language and
    process (a process runs one command; the tests' in-process runner runs thousands)."""
    from salesops.i18n import current

    lang = current()
    if lang not in _COMMANDS:
        command = typer.main.get_command(_load_commands())
        translate_tree(command)
        _COMMANDS[lang] = command
    return _COMMANDS[lang]


def _settle() -> None:
    """Wait for the cache entries still being written (`storage.cache.settle`), if any."""
    cache = sys.modules.get("salesops.storage.cache")
    if cache is not None:
        cache.settle()


def _fast_exit(code: int) -> None:
    """Leave without tearing the interpreter down object by object (a tenth of a second
    after a report over 100,000 rows). Every file salesops writes is closed and synced by
    then (`storage.commit`), and no exit handler of its own is pending; only the output
    buffers need flushing."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # the reader left (e.g. `| head`): nothing more to say
        pass
    except Exception:  # noqa: BLE001 - a stream we cannot flush: let the normal exit try
        sys.exit(code)
    os._exit(code)


def _os_error(exc: OSError) -> str:
    """`FILE: cause` for an OSError nothing closer to it turned into a message."""
    from salesops.i18n import _

    cause = exc.strerror or str(exc) or type(exc).__name__
    if exc.filename:
        return f"{exc.filename}: {cause}"
    return _("a file could not be read or written: {reason}").format(reason=cause)


def _fail(lines: list[str], code: int) -> None:
    from salesops.problems import one_line

    for line in lines:  # `error:` stays as it is in every language: scripts look for it (SPEC 4)
        print(one_line(f"error: {line}"), file=sys.stderr)
    sys.exit(code)
