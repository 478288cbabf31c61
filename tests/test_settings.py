"""salesops.toml: the second release's sections (approval, pool, dunning, credit, commission, regions).

Defaults come from the template `init` writes; a workspace overrides what it
sets; a bad value is one `error:` line naming the key, from any command.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from salesops.settings import defaults, load_settings, template_text
from tests.conftest import REPO, make_workspace, run_cli

README = REPO / "README.md"


def settings_of(tmp_path: Path, text: str):
    (tmp_path / "salesops.toml").write_text(text, encoding="utf-8")
    return load_settings(tmp_path)


def test_the_template_holds_every_new_section_with_valid_defaults(tmp_path):
    d = defaults()
    assert d["approval"] == {"director_discount_pct": 15, "review_before_signing": True}
    assert d["pool"] == {"reclaim_days": 30, "max_held": 30, "claim_cooldown_days": 7}
    assert d["dunning"]["levels"] == [
        [1, "reminder"],
        [30, "notice"],
        [60, "warning"],
        [90, "legal"],
    ]
    assert d["credit"]["block_overdue_days"] == 90
    plan = d["commission"]["plans"][d["commission"]["default_plan"]]
    assert plan["basis"] == "collections" and plan["clawback"] is True and plan["tiers"][0][0] == 0
    assert set(d["regions"]) == {"华东", "华北", "华南", "华中", "西南", "西北", "东北"}
    places = [p for ps in d["regions"].values() for p in ps]
    assert len(places) == len(set(places))  # each place in one region
    assert {"上海", "江苏", "广东", "四川", "陕西", "黑龙江", "北京", "湖北"} <= set(places)
    # the file init writes is these defaults, comments and all
    assert settings_of(tmp_path, template_text()).data == {**d, "lang": "en"}


def test_a_workspace_overrides_only_what_it_sets(tmp_path):
    s = settings_of(tmp_path, """
[pool]
reclaim_days = 45
[dunning]
levels = [[7, "提醒"], [45, "律师函"]]
[commission]
default_plan = "sales"
[commission.plans.sales]
basis = "bookings"
tiers = [[0, 2], [100, 5]]
progressive = true
teams = ["华东团队"]
[commission.plans.directors]
roles = ["总监"]
tiers = [[0, 0.5]]
""")  # fmt: skip
    assert s.get("pool.reclaim_days") == 45 and s.get("pool.max_held") == 30
    assert s.get("dunning.levels") == [[7, "提醒"], [45, "律师函"]]  # a list is replaced whole
    plans = s.get("commission.plans")
    assert set(plans) == {"standard", "sales", "directors"}
    assert (
        plans["sales"]["progressive"] is True and plans["sales"]["clawback"] is True
    )  # the rest from standard
    assert plans["directors"]["basis"] == "collections" and plans["directors"]["roles"] == ["总监"]
    assert s.get("approval.director_discount_pct") == 15


def test_places_a_workspace_lists_move_to_its_regions(tmp_path):
    s = settings_of(tmp_path, """
[regions]
"华北" = ["山东", "济南"]
"苏南" = ["苏州", "无锡"]
""")  # fmt: skip
    regions = s.get("regions")
    where = {p: r for r, ps in regions.items() for p in ps}
    assert where["山东"] == "华北" and where["济南"] == "华北" and where["北京"] == "华北"
    assert where["苏州"] == "苏南" and where["南京"] == "华东" and "山东" not in regions["华东"]
    assert sum(len(ps) for ps in regions.values()) == len(where)  # still one region per place


BAD = [
    ("[approval]\ndirector_discount_pct = 120", "setting approval.director_discount_pct must be a percentage from 0 to 100, not 120"),
    ("[approval]\nreview_before_signing = \"yes\"", "setting approval.review_before_signing must be like True, not 'yes'"),
    ("[pool]\nreclaim_days = -1", "setting pool.reclaim_days must be a whole number of days, 0 or more, not -1"),
    ("[pool]\nmax_held = 2.5", "setting pool.max_held must be a whole number, 0 or more, not 2.5"),
    ("[pool]\nreclaim_after = 3", "unknown setting pool.reclaim_after"),
    ("[credit]\nblock_overdue_days = 1.5", "setting credit.block_overdue_days must be a whole number of days, 0 or more, not 1.5"),
    ("[dunning]\nlevels = [[30, \"a\"], [10, \"b\"]]", "setting dunning.levels must be a list of [days overdue from, level name]"),
    ("[dunning]\nlevels = [[1, \"a\"], [10, \"a\"]]", "setting dunning.levels must be a list of levels with different names"),
    ("[commission]\ndefault_plan = \"gold\"", "setting commission.default_plan must be one of standard, not 'gold'"),
    ("[commission.plans.standard]\nbasis = \"profit\"", "setting commission.plans.standard.basis must be one of collections, bookings, not 'profit'"),
    ("[commission.plans.x]\ntiers = [[10, 1]]", "setting commission.plans.x.tiers must be a list of [attainment % from, rate %] starting at 0"),
    ("[commission.plans.x]\ntiers = [[0, 150]]", "setting commission.plans.x.tiers must be a list of tiers whose rates are percentages from 0 to 100"),
    ("[commission.plans.x]\nroles = [\"boss\"]", "setting commission.plans.x.roles must be a list of roles (rep, manager, director, finance, legal)"),
    ("[commission.plans.x]\nrate = 3", "unknown setting commission.plans.x.rate"),
    ("[commission.plans.a]\nteams = [\"华东团队\"]\n[commission.plans.b]\nteams = [\" 华东团队 \"]",
     'setting commission.plans.b.teams: " 华东团队 " is also in commission.plans.a.teams (each rep is paid by one plan)'),
    ("[commission]\nplans = 3", "setting commission.plans must be a table"),
    ("regions = 3", "setting regions must be a table of region = [places]"),
    ("[regions]\n\"华东\" = \"上海\"", 'setting regions."华东" must be a list of place names'),
    ("[regions]\n\"苏南\" = [\"苏州\"]\n\"苏北\" = [\"苏州\"]", 'setting regions: "苏州" is in both "苏南" and "苏北"'),
]  # fmt: skip


@pytest.mark.parametrize("toml,message", BAD, ids=[b[1][:40] for b in BAD])
def test_a_bad_value_is_one_error_naming_the_key_and_nothing_runs(tmp_path, toml, message):
    ws = make_workspace(tmp_path / "ws", fmt="csv")
    (ws / "salesops.toml").write_text('format = "csv"\n' + toml + "\n", encoding="utf-8")
    tomllib.loads(
        (ws / "salesops.toml").read_text("utf-8")
    )  # valid TOML: the value is what is wrong
    proc = run_cli("validate", ws=ws, check=1)
    lines = proc.stderr.splitlines()
    assert lines and all(line.startswith("error: salesops.toml: ") for line in lines), proc.stderr
    assert any(message in line for line in lines), (message, proc.stderr)
    assert "Traceback" not in proc.stderr


def test_the_readme_documents_every_setting():
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Settings") :]
    section = section[: section.index("\n## ", 5)]

    def keys(data, prefix=""):
        for key, value in data.items():
            if isinstance(value, dict) and key not in (
                "plans",
                "regions",
                "terms",
                "grades",
                "scoring",
                "probability",
            ):
                yield from keys(value, f"{prefix}{key}.")
            else:
                yield f"{prefix}{key}"

    missing = [k for k in keys(defaults()) if f"`{k}" not in section and f"[{k}" not in section]
    assert not missing, missing
