"""Import planning: the rows of a file in; planned adds, updates, skips and problems out.

Pure: no file access, no clock (today is an option). The CLI reads the file
and the workspace, calls `plan_import`, shows the problems, and — only when
there is no error — applies the plan through one workspace commit.

Steps, each over whole columns where it can be:

1. header → fields: `--map SRC=FIELD` first, then the schema's header aliases
   (English, Chinese, case/space/full-width-insensitive); a column the register
   file already has as a user column is kept; any other column is ignored with
   one warning;
2. `--map-value FIELD:FROM=TO` rewrites cells, `--set FIELD=VALUE` fills empty
   ones, new records default to the first stage of their register (and with
   `--default-date`, their empty required dates to that date);
3. every column is parsed by the vectorised parsers of `salesops.values`;
4. references are resolved by ID or by name (account name, receivable invoice
   number), `--create-missing` plans the missing accounts (and reps for owners);
5. duplicates (by ID; leads also by normalised phone, email or company of an
   open lead, existing or earlier in the file) are errors, skipped or merged
   per `--on-duplicate`;
6. records to add get their IDs and their required fields are checked.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from salesops import values
from salesops.codec import bad_cell_phrase, problem_code
from salesops.core.people import holding
from salesops.errors import UsageError
from salesops.i18n import N_, _, ngettext
from salesops.problems import ERROR, WARNING, Problem
from salesops.schema import Column, Register

if TYPE_CHECKING:
    import pandas as pd

DUPLICATE_CHOICES = ("error", "skip", "update")

# Registers whose records a reference may name instead of giving the ID, and the field naming them.
NAME_FIELDS = {"accounts": "name", "receivables": "invoice_no", "reps": "name"}
# What `--create-missing` may create from a name.
CREATABLE = ("accounts",)

TYPE_EXPECTED = {
    "date": N_("is not a date (expected e.g. 2026-11-05, 2026/11/5 or 2026年11月5日)"),
    "money": N_("is not an amount of money (expected e.g. 1234.50, ¥1,234.50 or 12.5万)"),
    "int": N_("is not a whole number"),
    "pct": N_("is not a percentage between 0 and 100"),
    "bool": N_("is not yes or no"),
}
CENT = Decimal("0.01")


# ---------------------------------------------------------------- inputs


@dataclass
class RefIndex:
    """The records of a register that imported rows may reference: IDs and names."""

    register: Register
    ids: set[str]
    names: dict[str, list[str]] = field(
        default_factory=dict
    )  # exact name (case/space-insensitive) → IDs
    loose: dict[str, list[str]] = field(default_factory=dict)  # normalised company name → IDs
    file: str = ""
    what: str = ""  # what a reference names, when not `register`'s ID or name (several registers)

    @classmethod
    def build(
        cls,
        register: Register,
        ids: Iterable[str | None],
        names: Iterable[str | None] | None = None,
        file: str = "",
    ) -> RefIndex:
        """An index over parallel sequences of IDs and (optionally) names, per NAME_FIELDS."""
        id_list = list(ids)
        index = cls(register, {i for i in id_list if i}, {}, {}, file or f"{register.name}.xlsx")
        if names is not None:
            for rid, name in zip(id_list, names, strict=False):
                if rid and name:
                    index.add_name(rid, name)
        return index

    def add_name(self, rid: str, name: str) -> None:
        self.names.setdefault(values.normalize_header(name), []).append(rid)
        if self.register.name == "accounts":
            self.loose.setdefault(values.normalize_company(name) or "", []).append(rid)

    def lookup(self, text: str) -> list[str]:
        """IDs of the records `text` names: by ID, else by exact name, else by normalised company name."""
        if text in self.ids:
            return [text]
        hits = self.names.get(values.normalize_header(text))
        if not hits and self.loose:
            hits = self.loose.get(values.normalize_company(text) or "")
        return list(dict.fromkeys(hits or []))


def index_of(col: Column, refs: dict[str, RefIndex]) -> RefIndex | None:
    """The records a reference column may name: its register's, or for a column naming a
    record of several registers (an activity's record_id) their IDs together."""
    parts = [refs[name] for name in col.targets if name in refs]
    if not parts or len(parts) < len(col.targets):
        return None
    if len(parts) == 1:
        return parts[0]
    ids = set().union(*(p.ids for p in parts))
    files = [p.file for p in parts]
    what = _("ID in {files} or {last}").format(files=", ".join(files[:-1]), last=files[-1])
    return RefIndex(parts[0].register, ids, {}, {}, files[0], what)


def name_key(register: str, text: str) -> str:
    """How names given in one import are matched to each other (companies normalised)."""
    if register == "accounts":
        return values.normalize_company(text) or ""
    return values.normalize_header(text)


@dataclass
class Target:
    """The register being imported into, as it stands."""

    register: Register
    ids: set[str]
    open_keys: dict[str, str] = field(default_factory=dict)  # leads: duplicate key → lead ID
    user_headers: list[str] = field(default_factory=list)  # headers of user columns in the file
    file: str = ""
    owners: dict[str, str | None] = field(default_factory=dict)  # leads: open lead ID → its owner
    companies: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)  # leads: company → (account, owner)


@dataclass
class ImportOptions:
    """The command line of one import, already split into pairs."""

    file: str  # name of the imported file, for messages
    maps: list[tuple[str, str]] = field(default_factory=list)  # (SRC header, FIELD)
    value_maps: list[tuple[str, str, str]] = field(default_factory=list)  # (FIELD, FROM, TO)
    constants: list[tuple[str, str]] = field(default_factory=list)  # (FIELD, VALUE)
    date_order: str = "MDY"
    create_missing: bool = False
    on_duplicate: str = "error"
    today: dt.date = dt.date(2000, 1, 1)
    default_date: dt.date | None = None  # --default-date: fills empty required dates (and created_on) of new records
    # the texts a cell cannot store (control characters, too long) → why; the CLI passes typed.text_faults
    text_faults: Callable[[Iterable[str]], dict[str, str]] | None = None


# ---------------------------------------------------------------- outputs


@dataclass
class Planned:
    """One imported row's fate: a record to add, the fields to update, or a skip."""

    row: int  # Excel row in the imported file
    record_id: str | None
    record: dict[str, Any] = field(default_factory=dict)  # typed values by field
    user: dict[str, str] = field(default_factory=dict)  # register user-column header → text
    reason: str = ""  # for updates and skips: which record it duplicates
    merged: bool = False  # an update folded into a record added by an earlier row


@dataclass
class Plan:
    """Everything an import would do, and every problem found on the way."""

    register: Register
    adds: list[Planned] = field(default_factory=list)
    updates: list[Planned] = field(default_factory=list)
    skips: list[Planned] = field(default_factory=list)
    created: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # register → new records
    problems: list[Problem] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # source header → field / user column
    rows: int = 0
    target_file: str = ""  # the register's file (user columns are added to it)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]


# ---------------------------------------------------------------- the planner


def resolve_field(register: Register, text: str, option: str) -> str:
    """The canonical field `text` names (English, Chinese or alias); usage error otherwise."""
    name = register.header_aliases.get(values.normalize_header(text))
    if name is None:
        raise UsageError(
            _("{option}: {register} has no field {name} (fields: {fields})").format(
                option=option, register=register.name, name=repr(text), fields=", ".join(register.by_name)
            )
        )
    return name


def lead_keys(phone: str | None, email: str | None, company: str | None) -> list[str]:
    """The keys two leads are duplicates by: normalised phone, email and company name."""
    keys = []
    for kind, raw, norm in (
        ("phone", phone, values.normalize_phone),
        ("email", email, values.normalize_email),
        ("company", company, values.normalize_company),
    ):
        if raw:
            key = norm(raw)
            if key:
                keys.append(f"{kind}:{key}")
    return keys


def lead_key_columns(
    phone: pd.Series | None, email: pd.Series | None, company: pd.Series | None, n: int
) -> list[list[str | None]]:
    """`lead_keys` over whole columns: per kind, the key of each row (None when blank).

    ASCII phones and e-mails are normalised with vectorised string operations
    (the same rules as `values.normalize_phone` / `normalize_email`); other
    cells, and company names, go through the scalar functions once per
    distinct value.
    """
    import pandas as pd

    out: list[list[str | None]] = []
    for kind, s, norm in (
        ("phone", phone, values.normalize_phone),
        ("email", email, values.normalize_email),
        ("company", company, values.normalize_company),
    ):
        if s is None:
            out.append([None] * n)
            continue
        s = pd.Series(s, dtype=object).reset_index(drop=True)
        keys = pd.Series([None] * len(s), dtype=object)
        filled = s.notna()
        if kind in ("phone", "email"):
            text = s[filled].astype(str)
            ascii_ = text.map(str.isascii).astype(bool)
            fast = text[ascii_]
            if kind == "phone":
                digits = fast.str.replace(r"[^0-9]", "", regex=True)
                digits = digits.str.replace(r"^(?:0086|86)(?=[0-9]{11}$)", "", regex=True)
            else:
                digits = fast.str.strip().str.lower()
            keys[fast.index] = digits.where(digits != "", None)
            slow = text[~ascii_]
        else:
            slow = s[filled]
        if len(slow):
            distinct = pd.unique(slow)
            made = values.normalize_companies(distinct) if kind == "company" else map(norm, distinct)
            keys[slow.index] = slow.map(dict(zip(distinct, made, strict=True)))
        out.append([None if k is None or k != k else f"{kind}:{k}" for k in keys.tolist()])
    return out


def plan_import(
    header: list[Any],
    rows: list[list[Any]],
    target: Target,
    refs: dict[str, RefIndex],
    options: ImportOptions,
) -> Plan:
    """Plan importing `rows` (under `header`) into `target`; see the module docstring."""
    import pandas as pd

    reg = target.register
    if options.on_duplicate not in DUPLICATE_CHOICES:
        raise UsageError(
            _("{option} must be one of {choices}, not {value}").format(
                option="--on-duplicate", choices=", ".join(DUPLICATE_CHOICES), value=repr(options.on_duplicate)
            )
        )
    plan = Plan(reg, target_file=target.file)
    fields, users, where = _map_columns(reg, header, target, options, plan)

    n_cols = len(header)
    width = max([n_cols, *(len(r) for r in rows)]) if rows else n_cols
    data = {j: [r[j] if j < len(r) else None for r in rows] for j in range(width)}
    raw = pd.DataFrame(data, dtype=object) if data else pd.DataFrame(index=range(len(rows)))
    excel_rows = pd.Series(range(2, len(rows) + 2), index=raw.index)
    if len(raw.columns):
        blank = pd.Series([_blank_row(r) for r in rows], index=raw.index, dtype=bool)
        raw, excel_rows = raw[~blank], excel_rows[~blank]
    plan.rows = len(raw)
    n = len(raw)

    # 2. raw cells per field, rewritten and filled as the options say
    cells: dict[str, pd.Series] = {name: raw[j] for name, j in fields.items()}
    for name, pairs in _value_maps(reg, options).items():
        if name in cells:
            cells[name] = _rewrite(cells[name], pairs)
        elif "" in pairs:
            cells[name] = pd.Series([pairs[""]] * n, index=raw.index, dtype=object)
    for text, value in options.constants:
        name = resolve_field(reg, text, "--set")
        where.setdefault(name, name)
        s = cells.get(name, pd.Series([None] * n, index=raw.index, dtype=object))
        cells[name] = s.where(values.parse_text_series(s).notna(), value)
    defaults = _defaults(reg, cells, options)

    # 3. parse every column
    typed: dict[str, pd.Series] = {}
    bad_cells: dict[str, pd.Series] = {}
    id_col = reg.id_column
    ids = (
        values.parse_text_series(cells[id_col])
        if id_col in cells
        else pd.Series([None] * n, index=raw.index, dtype=object)
    )
    for name, s in cells.items():
        col = reg.column(name)
        out, bad, phrase = parse_series(col, s, options.date_order)
        typed[name] = out
        bad_cells[name] = bad
        if bad.any():
            for idx in bad[bad].index:
                plan.problems.append(
                    Problem(
                        ERROR,
                        problem_code(col),
                        f"{_show(s.at[idx])} {bad_cell_phrase(col, s.at[idx], phrase)}",
                        options.file,
                        int(excel_rows.at[idx]),
                        where.get(name, name),
                        ids.at[idx],
                    )
                )

    if options.text_faults is not None:
        texts = {name: s for name, s in typed.items() if s.dtype == object}
        texts |= {h: values.parse_text_series(raw[j]) for j, h in users.items()}
        for name, s in texts.items():
            _text_faults(plan, s, options, excel_rows, ids, where.get(name, name))

    # 4. references and owners
    created: dict[str, dict[str, str]] = {}  # register → name key → new ID
    for name in list(typed):
        col = reg.column(name)
        index = index_of(col, refs)
        if index is not None:
            typed[name], unresolved = _resolve_refs(
                plan, col, typed[name], index, options, created, excel_rows, ids, where
            )
            bad_cells[name] = bad_cells[name] | unresolved
    if "owner" in typed and "reps" in refs:
        _check_owners(plan, typed["owner"], refs["reps"], options, created, excel_rows, ids, where)

    # 5. duplicates → what happens to each row
    keys = lead_key_columns(typed.get("phone"), typed.get("email"), typed.get("company"), n) if reg.name == "leads" else None
    actions = _decide(plan, reg, target, typed, defaults, ids, excel_rows, options, where, keys)

    # 6. records
    _build(
        plan,
        reg,
        target,
        typed,
        defaults,
        users,
        raw,
        ids,
        excel_rows,
        actions,
        bad_cells,
        where,
        options,
        keys[2] if keys is not None else None,
    )
    order = {where.get(c.name, c.name): j for j, c in enumerate(reg.columns)}
    plan.problems.sort(key=lambda p: (p.row or 0, order.get(p.column or "", -1)))
    return plan


def _map_columns(
    reg: Register, header: list[Any], target: Target, options: ImportOptions, plan: Plan
):
    """(field → column, column → register user header, field → column name for messages)."""
    explicit: dict[str, list[str]] = {}
    for src, text in options.maps:
        explicit.setdefault(values.normalize_header(src), []).append(
            resolve_field(reg, text, "--map")
        )
    heads = [values.parse_text(h) or "" for h in header]
    keys = [values.normalize_header(h) for h in heads]
    for src in explicit:
        if src not in keys:
            shown = ", ".join(h for h in heads if h) or _("none")
            raise UsageError(
                _("--map: {file} has no column {name} (its columns: {columns})").format(
                    file=options.file, name=repr(src), columns=shown
                )
            )
    fields: dict[str, int] = {}
    where: dict[str, str] = {}
    for j, key in enumerate(keys):
        for name in explicit.get(key, []):
            if name in fields:
                raise UsageError(
                    _("--map: {field} is mapped from both {first} and {second}").format(
                        field=name, first=repr(heads[fields[name]]), second=repr(heads[j])
                    )
                )
            fields[name], where[name] = j, heads[j]
    mapped = {name for names in explicit.values() for name in names}
    users: dict[int, str] = {}
    user_keys = {values.normalize_header(h): h for h in target.user_headers}
    for j, key in enumerate(keys):
        if key in explicit:
            plan.columns[heads[j]] = ", ".join(explicit[key])
            continue
        name = reg.header_aliases.get(key) if key else None
        if name is not None and name not in fields:
            fields[name], where[name] = j, heads[j]
            plan.columns[heads[j]] = name
        elif name is not None and name in mapped:
            _ignored(plan, options, heads[j], _("{field} is mapped from another column").format(field=name))
        elif name is not None:
            raise UsageError(
                _("{file}: columns {first} and {second} are both {field}; map one of them elsewhere with --map").format(
                    file=options.file, first=fields[name] + 1, second=j + 1, field=repr(name)
                )
            )
        elif key in user_keys:
            users[j] = user_keys[key]
            plan.columns[heads[j]] = f"user column {user_keys[key]!r}"
        elif heads[j] and key not in {values.normalize_header(h) for h in users.values()}:
            users[j] = heads[j]  # kept as a new user column of the register, as the file names it
            plan.columns[heads[j]] = f"new user column {heads[j]!r}"
        elif heads[j]:
            _ignored(plan, options, heads[j], _("another column has the same header"))
    _warn_ignored(plan, options)
    _warn_kept(plan, options, [h for h in users.values() if values.normalize_header(h) not in user_keys])
    return fields, users, where


def _warn_kept(plan: Plan, options: ImportOptions, kept: list[str]) -> None:
    """One warning naming the columns that become the register's own user columns."""
    if not kept:
        return
    names = ", ".join(f'"{h}"' for h in kept)
    message = ngettext(
        'column {names} is no field of {register}: kept as a user column of {file}, right of its header '
        '(--map "SRC=FIELD" imports it into a field)',
        'columns {names} are no field of {register}: kept as user columns of {file}, right of its header '
        '(--map "SRC=FIELD" imports one into a field)',
        len(kept),
    ).format(names=names, register=plan.register.name, file=plan.target_file or plan.register.name)
    plan.problems.append(Problem(WARNING, "user-column", message, options.file, 1, None))


def _ignored(plan: Plan, options: ImportOptions, head: str, why: str | None) -> None:
    plan.columns[head] = "(ignored)" + (f": {why}" if why else "")


def _warn_ignored(plan: Plan, options: ImportOptions) -> None:
    """One warning naming every ignored column of the file."""
    ignored = [h for h, what in plan.columns.items() if what.startswith("(ignored)")]
    if not ignored:
        return
    names = ", ".join(f'"{h}"' for h in ignored)
    message = ngettext(
        'column {names} is not imported: no field of {register} takes it (--map "SRC=FIELD" imports a column)',
        'columns {names} are not imported: no field of {register} takes them (--map "SRC=FIELD" imports a column)',
        len(ignored),
    ).format(names=names, register=plan.register.name)
    plan.problems.append(Problem(WARNING, "ignored-column", message, options.file, 1, None))


def _value_maps(reg: Register, options: ImportOptions) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for text, src, dst in options.value_maps:
        out.setdefault(resolve_field(reg, text, "--map-value"), {})[
            values.normalize_header(src)
        ] = dst
    return out


def _rewrite(s: pd.Series, pairs: dict[str, str]) -> pd.Series:
    """Cells whose text matches a FROM (case/space/width-insensitive) become TO."""
    import pandas as pd

    text = values.parse_text_series(s)
    keys = text.map(lambda v: values.normalize_header(v) if isinstance(v, str) else "")
    hit = keys.isin(list(pairs))
    if not hit.any():
        return s
    out = s.astype(object).copy()
    out[hit] = keys[hit].map(pairs)
    return pd.Series(out, index=s.index, dtype=object)


def _blank_row(row: list[Any]) -> bool:
    """Whether every cell of `row` is blank (`values.parse_text` None): a row of texts (CSV) by
    one join, others cell by cell."""
    try:
        return not "".join(row).strip()
    except TypeError:  # numbers, dates, empty cells of an xlsx
        return all(values.parse_text(v) is None for v in row)


def _defaults(reg: Register, cells: dict, options: ImportOptions) -> dict[str, Any]:
    """Values new records get where the file gives none: the first stage; with --default-date, that
    date in every required date (and created_on). Without it an empty required date is an error:
    a date is never made up."""
    out: dict[str, Any] = {}
    if reg.machine:
        out[reg.machine.field] = reg.machine.order[0]
    if options.default_date is not None:
        for col in reg.columns:
            if col.type == "date" and (col.required or col.name == "created_on"):
                out[col.name] = options.default_date
    return out


def parse_series(col: Column, s: pd.Series, date_order: str) -> tuple[pd.Series, pd.Series, str]:
    """(typed series, mask of cells that did not parse, what was expected) for one column."""
    from salesops.typed import parse_series as typed_series

    return typed_series(col, s, date_order, {kind: _(text) for kind, text in TYPE_EXPECTED.items()})


def _text_faults(
    plan: Plan, s: pd.Series, options: ImportOptions, excel_rows, ids, column: str
) -> None:
    """Problems for texts no spreadsheet cell can hold (checked once per distinct text)."""
    assert options.text_faults is not None
    faults = options.text_faults(u for u in s.dropna().unique() if isinstance(u, str))
    if not faults:
        return
    for idx, text in s[s.isin(list(faults))].items():
        plan.problems.append(
            Problem(
                ERROR,
                "bad-text",
                faults[text],
                options.file,
                int(excel_rows.at[idx]),
                column,
                ids.at[idx],
            )
        )


def _show(cell: Any) -> str:
    text = cell if isinstance(cell, str) else values.parse_text(cell) or ""
    return f'"{text[:57] + "..." if len(text) > 60 else text}"'


def _next_ids(register: Register, existing: Iterable[str]) -> Iterable[str]:
    """IDs after the largest `<prefix>NNNNNN` among `existing`."""
    pattern = re.compile(re.escape(register.prefix) + r"(\d+)$", re.IGNORECASE)
    top = 0
    for key in existing:
        m = pattern.match(key or "")
        if m:
            top = max(top, int(m.group(1)))
    while True:
        top += 1
        yield f"{register.prefix}{top:06d}"


def _resolve_refs(plan, col, s, index: RefIndex, options, created, excel_rows, ids, where):
    """Reference texts → IDs (by ID or name); problems for unknown and ambiguous ones."""
    resolved: dict[str, str | None] = {}
    trouble: dict[str, tuple[str, str]] = {}
    makers = created.setdefault(index.register.name, {})
    for text in s.dropna().unique():
        hits = index.lookup(text)
        key = name_key(index.register.name, text)
        if len(hits) == 1:
            resolved[text] = hits[0]
        elif len(hits) > 1:
            trouble[text] = (
                "ambiguous-ref",
                _('"{text}" names {n} records in {file} ({ids}); give the ID').format(
                    text=text, n=len(hits), file=index.file, ids=", ".join(hits[:5])
                ),
            )
        elif key in makers:
            resolved[text] = makers[key]
        elif options.create_missing and index.register.name in CREATABLE:
            new_id = _create(plan, index, text, options)
            makers[key] = new_id
            resolved[text] = new_id
        elif index.what:
            trouble[text] = ("dangling-ref", _('"{text}" is not an {what}').format(text=text, what=index.what))
        else:
            what = index.register.id_column
            if index.register.name in NAME_FIELDS:
                what = _("{id} or {name}").format(id=what, name=NAME_FIELDS[index.register.name])
            message = _('"{text}" is not an {what} in {file}').format(text=text, what=what, file=index.file)
            if index.register.name in CREATABLE:
                message = _("{message}; --create-missing creates it").format(message=message)
            trouble[text] = ("dangling-ref", message)
    unresolved = s.isin(list(trouble))
    for idx, text in s[unresolved].items():
        code, message = trouble[text]
        plan.problems.append(
            Problem(
                ERROR,
                code,
                message,
                options.file,
                int(excel_rows.at[idx]),
                where.get(col.name, col.name),
                ids.at[idx],
            )
        )
    return s.map(resolved).where(s.notna(), None), unresolved


def _create(plan: Plan, index: RefIndex, name: str, options: ImportOptions) -> str:
    """Plan a new record of `index.register` named `name`; returns its ID."""
    reg = index.register
    gen = plan.__dict__.setdefault(f"_ids_{reg.name}", _next_ids(reg, index.ids))
    new_id = next(gen)
    record: dict[str, Any] = {reg.id_column: new_id, NAME_FIELDS[reg.name]: name}
    if "created_on" in reg.by_name:
        record["created_on"] = options.today
    if reg.name == "reps":
        record["active"] = True
    plan.created.setdefault(reg.name, []).append(record)
    index.ids.add(new_id)
    index.add_name(new_id, name)
    return new_id


def _check_owners(plan, owners, reps: RefIndex, options, created, excel_rows, ids, where) -> None:
    """Owners unknown to reps: created with --create-missing, else one warning per owner."""
    makers = created.setdefault("reps", {})
    filled = owners.dropna()
    folded_ids = {i.casefold() for i in reps.ids}
    for text in filled.unique():
        if text.casefold() in folded_ids or reps.lookup(text):
            continue
        rows = filled[filled == text]
        if options.create_missing:
            if name_key("reps", text) not in makers:
                makers[name_key("reps", text)] = _create(plan, reps, text, options)
            continue
        first = rows.index[0]
        message = ngettext(
            '"{text}" is not a rep_id or name in {file}; --create-missing adds the rep',
            '"{text}" is not a rep_id or name in {file} (and {more} more rows); --create-missing adds the rep',
            len(rows),
        ).format(text=text, file=reps.file, more=len(rows) - 1)
        plan.problems.append(
            Problem(
                WARNING,
                "unknown-owner",
                message,
                options.file,
                int(excel_rows.at[first]),
                where.get("owner", "owner"),
                ids.at[first],
            )
        )


def _decide(
    plan, reg, target, typed, defaults, ids, excel_rows, options, where, lists=None
) -> list[tuple[str, Any, str]]:
    """Per row: ("add", None, "") | ("update", existing ID, why) | ("merge", row position, why) | ("skip"|"dup", match, why).

    `lists`: leads' duplicate keys per kind (`lead_key_columns`)."""
    n = len(ids)
    id_list = ids.tolist()
    keyed = lists is not None
    if keyed:
        status = typed.get("status")
        status_list = status.tolist() if status is not None else [defaults.get("status")] * n
        terminal = reg.machine.terminal if reg.machine else frozenset()
    seen_ids: dict[str, int] = {}
    seen_keys: dict[str, int] = {}
    actions: list[tuple[str, Any, str]] = []
    for pos in range(n):
        rid = id_list[pos]
        existing = match = None
        why, by = "", reg.id_column
        if rid is not None and rid in target.ids:
            existing, why = rid, _("{field} {id} exists").format(field=reg.id_column, id=rid)
        elif rid is not None and rid in seen_ids:
            match, why = (
                seen_ids[rid],
                _("{field} {id} is also on row {row}").format(
                    field=reg.id_column, id=rid, row=int(excel_rows.iat[seen_ids[rid]])
                ),
            )
        keys: list[str] = []
        if keyed:
            keys = [k for k in (lists[0][pos], lists[1][pos], lists[2][pos]) if k]
            if existing is None and match is None:
                for key in keys:
                    by = key.split(":", 1)[0]
                    if key in target.open_keys:
                        existing = target.open_keys[key]
                        why = _("same {field} as open lead {id}, {holder}").format(
                            field=by, id=existing, holder=holding(target.owners.get(existing))
                        )
                        break
                    if key in seen_keys:
                        match = seen_keys[key]
                        why = _("same {field} as row {row}").format(field=by, row=int(excel_rows.iat[match]))
                        break
        if existing is None and match is None:
            actions.append(("add", None, ""))
            if rid is not None:
                seen_ids[rid] = pos
            if keyed and status_list[pos] not in terminal:
                for key in keys:
                    seen_keys.setdefault(key, pos)
            continue
        if options.on_duplicate == "skip":
            actions.append(("skip", existing if existing is not None else match, why))
        elif options.on_duplicate == "update":
            actions.append(
                ("update", existing, why) if existing is not None else ("merge", match, why)
            )
        else:
            actions.append(("dup", existing if existing is not None else match, why))
            plan.problems.append(
                Problem(
                    ERROR,
                    "duplicate-record",
                    _("duplicate: {why} (use --on-duplicate skip or update)").format(why=why),
                    options.file,
                    int(excel_rows.iat[pos]),
                    where.get(by, by),
                    rid,
                )
            )
    return actions


def _pylist(col: Column, s: pd.Series) -> list[Any]:
    """A typed series as the Python values records hold (Decimal money, date, int…)."""
    kind = col.type
    if kind == "money":  # integer cents → Decimal once per distinct amount
        cents = s.to_numpy(dtype=object, na_value=None)
        made = {v: (Decimal(int(v)) / 100).quantize(CENT) for v in set(cents) if v is not None}
        made[None] = None
        return list(map(made.__getitem__, cents))
    if kind == "date":
        mask = s.isna().tolist()
        dates = s.dt.date.tolist() if len(s) else []
        return [None if m else d for d, m in zip(dates, mask, strict=True)]
    if kind == "pct":
        return [
            None if v is None else Decimal(str(round(float(v), 2)))
            for v in s.to_numpy(dtype=object, na_value=None)
        ]
    if kind == "int":
        return [None if v is None else int(v) for v in s.to_numpy(dtype=object, na_value=None)]
    if kind == "bool":
        return [None if v is None else bool(v) for v in s.to_numpy(dtype=object, na_value=None)]
    return [v if isinstance(v, str) else None for v in s.tolist()]


def _build(
    plan,
    reg,
    target,
    typed,
    defaults,
    users,
    raw,
    ids,
    excel_rows,
    actions,
    bad_cells,
    where,
    options,
    company_keys=None,
) -> None:
    """Records for adds, field sets for updates; IDs for new rows; required fields of adds.

    `company_keys`: leads' `company:` keys per row (`lead_key_columns`), to warn of known companies."""
    n = len(ids)
    columns = {name: _pylist(reg.column(name), s) for name, s in typed.items()}
    bad = {name: m.tolist() for name, m in bad_cells.items()}
    user_cols = {h: values.parse_text_series(raw[j]).tolist() for j, h in users.items()}
    given_ids = [i for i in ids.tolist() if i]
    fresh = _next_ids(reg, [*target.ids, *given_ids])
    required = [c.name for c in reg.columns if c.required and c.name != reg.id_column]
    row_list = excel_rows.tolist()
    id_list = ids.tolist()
    add_at: dict[int, Planned] = {}
    names = list(columns)
    heads = list(user_cols)
    cells = zip(*columns.values(), strict=True) if names else iter([()] * n)
    user_cells = zip(*user_cols.values(), strict=True) if heads else iter([()] * n)
    for pos, vals, uvals in zip(range(n), cells, user_cells, strict=True):
        action, match, why = actions[pos]
        record = {name: v for name, v in zip(names, vals, strict=True) if v is not None}
        user = {h: v for h, v in zip(heads, uvals, strict=True) if v is not None}
        row = row_list[pos]
        if action == "add":
            for name, value in defaults.items():
                if record.get(name) is None and not (name in bad and bad[name][pos]):
                    record[name] = value
            for name in required:
                if record.get(name) is None and not (name in bad and bad[name][pos]):
                    plan.problems.append(
                        Problem(
                            ERROR,
                            "missing-value",
                            _("required value is empty"),
                            options.file,
                            row,
                            where.get(name, name),
                            id_list[pos],
                        )
                    )
            rid = id_list[pos] or next(fresh)
            record[reg.id_column] = rid
            company = company_keys[pos] if company_keys is not None and target.companies else None
            for account_id, owner in target.companies.get(company.partition(":")[2] if company else "", []):
                message = _("{company} is already the account {id}, {holder}").format(
                    company=record["company"], id=account_id, holder=holding(owner)
                )
                plan.problems.append(Problem(WARNING, "known-company", message, options.file, row, where.get("company", "company"), rid))
            item = Planned(row, rid, record, user)
            add_at[pos] = item
            plan.adds.append(item)
        elif action == "merge":
            into = add_at.get(match)
            record.pop(reg.id_column, None)
            if into is not None:
                into.record.update(record)
                into.user.update(user)
            plan.updates.append(
                Planned(row, into.record_id if into else None, record, user, why, merged=True)
            )
        elif action == "update":
            record.pop(reg.id_column, None)
            plan.updates.append(Planned(row, match, record, user, why))
        elif action == "skip":
            target_id = (
                match
                if isinstance(match, str)
                else (add_at[match].record_id if match in add_at else None)
            )
            plan.skips.append(Planned(row, target_id, {}, {}, why))


def summary(plan: Plan) -> dict[str, Any]:
    """Counts for the one-line report and the JSON summary."""
    return {
        "register": plan.register.name,
        "rows": plan.rows,
        "added": len(plan.adds),
        "updated": len(plan.updates),
        "skipped": len(plan.skips),
        "created": {name: len(records) for name, records in plan.created.items()},
        "errors": len(plan.errors),
        "warnings": len(plan.warnings),
    }
