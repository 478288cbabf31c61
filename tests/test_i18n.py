"""One message catalogue, chosen per command: --lang, else the workspace's lang, else the locale."""

from __future__ import annotations

import re
import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from salesops import i18n, i18n_build
from salesops.cli.translate import cells, usage_message, wrap
from tests.conftest import make_workspace, run_cli


def test_every_message_has_its_chinese_form_and_the_compiled_catalogue_matches():
    """Fails naming each message without Chinese (run `python -m salesops.i18n_build update`, translate, commit)."""
    assert i18n_build.problems() == []


def test_the_check_names_a_message_without_chinese(tmp_path, monkeypatch):
    po = i18n_build.po_path("zh")
    text = po.read_text(encoding="utf-8")
    broken = text.replace('msgstr "选项"', 'msgstr ""', 1)
    assert broken != text
    copy = tmp_path / "zh" / "LC_MESSAGES"
    copy.mkdir(parents=True)
    (copy / "salesops.po").write_text(broken, encoding="utf-8")
    (copy / "salesops.mo").write_bytes(i18n_build.mo_path("zh").read_bytes())
    monkeypatch.setattr(i18n_build, "LOCALE_DIR", tmp_path)
    found = i18n_build.problems()
    assert any("no Chinese for 'Options'" in line for line in found), found
    assert any("salesops.mo does not match" in line for line in found), found


def test_translations_keep_the_fields_of_their_message():
    assert i18n.translate("cannot write {file}: {reason}", "zh") == "无法写入 {file}：{reason}"
    assert i18n.translate("cannot write {file}: {reason}", "en") == "cannot write {file}: {reason}"
    assert i18n.translate("a message nobody wrote", "zh") == "a message nobody wrote"


def test_the_language_is_per_block_and_restored():
    with i18n.using("zh"):
        assert i18n._("Options") == "选项"
        with i18n.using("en"):
            assert i18n._("Options") == "Options"
        assert i18n.current() == "zh"
    with i18n.using(None):
        assert i18n.current() == i18n.locale_lang()


def test_locale_detection():
    assert i18n.locale_lang({"LANG": "zh_CN.UTF-8"}) == "zh"
    assert i18n.locale_lang({"LANG": "zh_TW.Big5"}) == "zh"
    assert i18n.locale_lang({"LANGUAGE": "en_GB:zh_CN", "LANG": "zh_CN.UTF-8"}) == "en"
    assert i18n.locale_lang({"LC_ALL": "C.UTF-8", "LANG": "zh_CN.UTF-8"}) == "en"
    assert i18n.locale_lang({}) == "en"


def test_help_follows_lang_option_then_workspace_then_locale_and_never_sticks(tmp_path):
    zh_ws = make_workspace(tmp_path / "zh", lang="zh")
    en_ws = make_workspace(tmp_path / "en", lang="en")
    bare = tmp_path / "bare"
    bare.mkdir()
    english = {"LANG": "C.UTF-8", "LC_ALL": "", "LANGUAGE": ""}
    chinese = {"LANG": "zh_CN.UTF-8", "LC_ALL": "", "LANGUAGE": ""}

    def usage(*args, env=english):
        return run_cli(*args, "report", "--help", env=env, check=0).stdout.splitlines()[0]

    assert usage("--lang", "zh").startswith("用法：salesops report [选项]")
    assert usage().startswith(
        "Usage: salesops report [OPTIONS]"
    )  # nothing stuck from the run before
    assert usage("-w", str(zh_ws)).startswith("用法：")
    assert usage("-w", str(en_ws), env=chinese).startswith(
        "Usage:"
    )  # the workspace beats the locale
    assert usage("-w", str(zh_ws), "--lang", "en").startswith(
        "Usage:"
    )  # --lang beats the workspace
    assert usage("-w", str(bare), env=chinese).startswith("用法：")  # no setting: the locale
    assert usage("-w", str(bare)).startswith("Usage:")
    weekly = run_cli("report", "weekly", "--lang", "zh", "--help", env=english, check=0).stdout
    assert "销售周报" in weekly and "--as-of 日期" in weekly and "[默认：table]" in weekly
    assert "Show this message" not in weekly and "Options" not in weekly


def test_usage_errors_speak_the_language(tmp_path):
    res = run_cli("--lang", "zh", "report", "kpi", "--xyzzy", check=2)
    assert res.stderr.strip() == "error: 没有选项 --xyzzy（参见 salesops report kpi --help）"
    res = run_cli("report", "kpi", "--xyzzy", check=2, env={"LANG": "C.UTF-8"})
    assert res.stderr.startswith("error: No such option: --xyzzy")
    res = run_cli("--lang", "zh", "report", "overdue", "--min-days", "x", check=2)
    assert res.stderr.startswith("error: --min-days：不是整数") and "Invalid" not in res.stderr
    assert (
        usage_message("Missing argument 'ID'.") == "Missing argument 'ID'."
    )  # English: click's words


def test_usage_errors_in_chinese_have_a_form_for_each_click_message():
    with i18n.using("zh"):
        assert usage_message("Missing argument 'ID'.") == "缺少参数 ID"
        assert usage_message("No such command 'kpii'.") == "没有命令“kpii”"
        assert usage_message("No such command 'kpii'. Did you mean 'kpi'?") == "没有命令“kpii”（是不是想用 'kpi'？）"
        assert usage_message("Option '--as-of' requires an argument.") == "选项 --as-of 需要一个值"
        assert usage_message("Got unexpected extra argument (x)") == "多余的参数：x"


def test_help_does_not_load_heavy_libraries_or_babel():
    code = (
        "import sys\n"
        "from salesops.cli import main\n"
        "try:\n    main(['--lang', 'zh', 'report', 'weekly', '--help'])\n"
        "except SystemExit:\n    pass\n"
        "heavy = {'babel', 'pandas', 'numpy', 'openpyxl', 'python_calamine', 'pyarrow'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "用法" in proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == "[]"


@given(
    st.lists(
        st.sampled_from(["销", "售", "周", "报", "逾期", "abc", "de", " ", "12-3"]), max_size=80
    ),
    st.integers(10, 60),
)
def test_wrapped_lines_fit_their_width_in_terminal_cells(pieces, width):
    text = "".join(pieces)
    out = wrap(text, width, "  ", "  ")
    for line in out.splitlines():  # only a word longer than the width may stick out, alone
        assert cells(line) <= width or line.strip().isascii() and " " not in line.strip(), out
    assert "".join(out.split()) == "".join(text.split())  # nothing lost but spaces


def test_wrapping_keeps_punctuation_off_the_line_start_and_brackets_whole():
    text = "某某某某某某某某，某某某某某某某某。某某某某某某某某某 [默认：table]"
    for width in range(12, 40):
        lines = wrap(text, width).splitlines()
        assert not any(line.lstrip()[:1] in "，。" for line in lines), lines
        assert any("[默认：table]" in line for line in lines), lines


def test_no_function_both_calls_the_catalogue_and_binds_underscore():
    """`for _, x in …` in a function that calls `_()` makes `_` local: the call would fail at run time."""
    import ast

    from salesops.i18n_build import PACKAGE

    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            bound = calls = False
            todo = list(func.body)
            while todo:
                node = todo.pop()
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                    continue  # its own scope
                if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                    continue  # comprehension variables stay inside
                if isinstance(node, ast.Name) and node.id == "_":
                    bound |= isinstance(node.ctx, ast.Store)
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_":
                    calls = True
                todo.extend(ast.iter_child_nodes(node))
            if bound and calls:
                found.append(f"{path.relative_to(PACKAGE.parent)}:{func.lineno} {func.name}")
    assert found == []


# ------------------------------------------------------------- every message in the source is marked
#
# An English sentence in the source that is not handed to the catalogue (`_()`, `N_()`, `ngettext()`,
# `pgettext()`) would reach a Chinese user in English. The scan below reads every module of the
# package and fails naming each such string; what it lets through is what users never read:
PROSE = re.compile(r"[A-Za-z]{2,}[ ,;:]+[A-Za-z]{2,}")  # two English words make a sentence
MARKERS = {"_", "N_", "ngettext", "pgettext", "gettext", "translate", "translate_plural"}
HELP_KEYWORDS = {"help", "short_help", "epilog", "metavar"}  # read from the command tree (i18n_build)
HELP_CALLS = {"_group"}  # cli/app.py: a command group and its help text
PROGRAMMER_ERRORS = {"ValueError", "TypeError", "AssertionError", "RuntimeError", "KeyError", "NotImplementedError"}
REGEX_CALLS = {"compile", "match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer"}
DEVELOPER_MODULES = {  # tools for developers, and text written to the (English) README
    "i18n_build.py": "extracts and compiles the catalogue",
    "docs.py": "writes the README's command and error reference",
    "schema_docs.py": "writes the README's register reference",
    "core/catalogue.py": "the error reference of the README (codes and their English titles)",
    "sample.py": "regenerates the committed sample (a developer script)",
}
# Strings users may see that are not sentences of ours: command lines and data.
NOT_MESSAGES = {
    ("storage/read.py", "(extra fields)"): "the name of a user column (data, kept in the file)",
    ("core/importer.py", "user column {}"): "import plan in JSON (canonical, SPEC 4)",
    ("storage/xlsx_package.py", "yyyy-mm-dd hh:mm:ss"): "an Excel number format",
    ("cli/translate.py", r"Missing command\."): "click's message, matched to say it in Chinese",
    ("reports/robots.py", "application/json; charset=utf-8"): "an HTTP header",
    ("core/importer.py", "new user column {}"): "import plan in JSON (canonical, SPEC 4)",
    ("core/pool.py", "reclaimed to pool"): "history.csv's command of a reclaim (SPEC 9.2), data",
    ("reports/activity.py", "reclaimed to pool"): "history.csv's command of a reclaim, as core.pool writes it",
    ("core/handedits.py", "edited outside salesops"): "history.csv's command of a hand edit (SPEC 9.3), data",
}
# Tables and functions whose strings are data or help texts, not messages.
NOT_MESSAGE_TABLES = {
    ("schema.py", "SYNONYMS"): "words other systems use for enum values, read by Enum.parse",
    ("cli/desk.py", "option_help"): "option help texts, read from the command tree like every help",
}


def _text_of(node):
    import ast

    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def _call_name(node) -> str | None:
    import ast

    if not isinstance(node, ast.Call):
        return None
    return node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)


def unmarked_messages(package=None, allowed: set | None = None) -> list[str]:
    """`file:line: 'text'` of every English sentence in the package's source that the catalogue misses
    (the NOT_MESSAGES entries met are added to `allowed`)."""
    import ast

    from salesops.i18n_build import PACKAGE

    root = package or PACKAGE
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel in DEVELOPER_MODULES or rel.startswith("sample_"):  # sample_*: the demo company's data
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parent = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        docstrings = {
            node.body[0].value
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            text = _text_of(node)
            if text is None or node in docstrings or isinstance(parent.get(node), ast.JoinedStr):
                continue
            if not PROSE.search(text) or text.lstrip().startswith(("salesops ", "<", "*{")) or "(?P<" in text:
                continue  # not a sentence; a command line shown as a hint; markup and style; a regex
            if (rel, text) in NOT_MESSAGES:
                if allowed is not None:
                    allowed.add((rel, text))
                continue
            if _exempt(node, parent) or _in_table(rel, node, parent):
                continue
            found.append(f"salesops/{rel}:{node.lineno}: {text[:90]!r}")
    return found


def _in_table(rel: str, node, parent) -> bool:
    """Inside an assignment to, or a function named in, NOT_MESSAGE_TABLES."""
    import ast

    while node in parent:
        node = parent[node]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and (rel, node.name) in NOT_MESSAGE_TABLES:
            return True
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        if any(isinstance(t, ast.Name) and (rel, t.id) in NOT_MESSAGE_TABLES for t in targets):
            return True
    return False


def _exempt(node, parent) -> bool:
    """Inside a marked call, a help text, a regular expression, an assert, or a programmer's error."""
    import ast

    if isinstance(parent.get(node), (ast.Expr, ast.Compare)):  # an attribute's docstring; compared, not said
        return True
    child = node
    while child in parent:
        up = parent[child]
        name = _call_name(up)
        if name in MARKERS:
            return True
        if isinstance(child, ast.keyword) and child.arg in HELP_KEYWORDS:
            return True
        if name in REGEX_CALLS and isinstance(up.func, ast.Attribute) and child in up.args[:1]:
            return True
        if isinstance(up, ast.Assert):
            return True
        if name in HELP_CALLS:
            return True
        if isinstance(up, ast.Raise) and _call_name(up.exc) in PROGRAMMER_ERRORS:
            return True
        child = up
    return False


def test_every_sentence_in_the_source_goes_through_the_catalogue():
    """An English message written without `_()` would reach a Chinese user in English."""
    allowed: set = set()
    assert unmarked_messages(allowed=allowed) == []
    assert set(NOT_MESSAGES) - allowed == set()  # an exception no longer needed goes: the list only shrinks


def test_the_source_scan_finds_an_unmarked_message(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "mod.py").write_text(
        '"""A module."""\n'
        "from salesops.errors import SalesopsError\n"
        "from salesops.i18n import _\n"
        "def f(x):\n"
        '    """Docstrings are for developers."""\n'
        '    if x:\n'
        '        raise SalesopsError(_("{x} is marked").format(x=x))\n'
        '    assert x is None, "an assert is for developers"\n'
        '    raise SalesopsError(f"{x} is not marked")\n',
        encoding="utf-8",
    )
    assert unmarked_messages(pkg) == ["salesops/mod.py:9: '{} is not marked'"]


def test_a_bad_value_is_said_in_the_language_of_the_moment_it_is_shown():
    from salesops import values

    try:
        values.parse_date("2026/14/31", "MDY")
    except values.BadValue as exc:
        bad = exc
    assert bad.phrase == "is not a date"
    with i18n.using("zh"):
        assert str(bad) == "不是日期"
    with i18n.using("en"):
        assert str(bad) == "is not a date"
    try:
        values.parse_date("13/5/2026", "MDY")
    except values.BadValue as exc:
        bad = exc
    with i18n.using("zh"):
        assert str(bad) == "不是 M/D/YYYY 顺序的日期（date_order = MDY）；请写成 YYYY-MM-DD"


def test_a_broken_settings_file_is_said_in_the_language_asked_for(tmp_path):
    ws = make_workspace(tmp_path / "ws", lang="zh")
    (ws / "salesops.toml").write_text('lang = "zh"\n[lead\n', encoding="utf-8")
    res = run_cli("--lang", "zh", "list", "leads", ws=ws, check=1)
    assert res.stderr.startswith("error: salesops.toml：不是有效的 TOML，请用文本编辑器修正") and "line 2" in res.stderr
    (ws / "salesops.toml").write_bytes(b'lang = "\xff"\n')
    res = run_cli("--lang", "zh", "list", "leads", ws=ws, check=1)
    assert res.stderr.strip() == "error: salesops.toml：不是 UTF-8 文本；请另存为 UTF-8"
