"""One message catalogue, chosen per command: --lang, else the workspace's lang, else the locale."""

from __future__ import annotations

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
        assert usage_message("No such command 'kpii'.") == "没有命令 kpii"
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
