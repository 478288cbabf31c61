"""The catalogue of problem codes: every code a `Problem` may carry, with a title.

`validate` and `import` only emit codes listed here (the corpus test in
`tests/corpus/validate/` proves one message per validation code), and the error
reference in the docs is generated from this table by `reference_markdown()`.
"""

from __future__ import annotations

from dataclasses import dataclass

from salesops.problems import ERROR, WARNING


@dataclass(frozen=True)
class Code:
    """One kind of problem: stable code, severity, short title, what to do about it."""

    code: str
    severity: str
    title: str
    description: str
    scope: str = "validate"  # validate | import | both


CODES: tuple[Code, ...] = (
    # ------------------------------------------------------------ files and cells
    Code(
        "unreadable-file",
        ERROR,
        "Unreadable file",
        "The register cannot be opened or parsed (not a real xlsx/CSV file, hostile or damaged "
        "package, merged cells, two columns for one field). Nothing else in it is checked.",
        "both",
    ),
    Code(
        "both-formats",
        ERROR,
        "Register in two formats",
        "Both `<name>.xlsx` and `<name>.csv` exist; keep one of them.",
    ),
    Code(
        "missing-column",
        ERROR,
        "Missing required column",
        "The header lacks a required column (English or Chinese name).",
    ),
    Code(
        "missing-value",
        ERROR,
        "Missing required value",
        "A required column is empty on this row.",
        "both",
    ),
    Code(
        "bad-date",
        ERROR,
        "Not a date",
        "The cell is not a date in any accepted form, or a slash date that stays ambiguous.",
        "both",
    ),
    Code(
        "bad-money",
        ERROR,
        "Not an amount of money",
        "The cell is not an amount (accepted: 1234.5, 1,234.50, ¥1,234.50, 1234元, 12.5万).",
        "both",
    ),
    Code(
        "bad-int",
        ERROR,
        "Not a whole number in range",
        "The cell is not a whole number, or lies outside the column's range.",
        "both",
    ),
    Code(
        "bad-pct",
        ERROR,
        "Not a percentage",
        "The cell is not a percentage between 0 and 100.",
        "both",
    ),
    Code("bad-bool", ERROR, "Not yes or no", "The cell is not yes/no (是/否).", "both"),
    Code(
        "bad-text",
        ERROR,
        "Text a cell cannot hold",
        "The text holds a control character, or is longer than the 32,767 characters a "
        "spreadsheet cell holds; it is kept as it is, but must be fixed by hand.",
        "both",
    ),
    Code(
        "bad-format",
        ERROR,
        "Text not in its form",
        "The text does not take its column's form: a target's `period` is a year, quarter or "
        "month (`2026`, `2026-Q4`, `2026-11`; also `2026年第四季度`, `2026年11月`).",
        "both",
    ),
    Code(
        "bad-enum",
        ERROR,
        "Unknown value",
        "The cell is not one of the column's values (English code or Chinese label).",
        "both",
    ),
    Code(
        "extra-fields",
        ERROR,
        "More fields than the header",
        "A CSV row has more fields than the header has columns, usually a cell holding the "
        "delimiter without quotes; the extra fields are shown by `list` under `(extra fields)` "
        "and kept on rewrite, until the row is fixed by hand.",
    ),
    # ------------------------------------------------------------ identity and references
    Code("duplicate-id", ERROR, "Duplicate ID", "Two rows of a register carry the same ID."),
    Code(
        "dangling-ref",
        ERROR,
        "Dangling reference",
        "A reference names a record that does not exist in the referenced register.",
        "both",
    ),
    Code(
        "account-mismatch",
        ERROR,
        "Account differs from its parent's",
        "A payment's account is not its receivable's, a receivable's is not its contract's, or "
        "an activity's is not the account of the record it is about.",
    ),
    # ------------------------------------------------------------ money and status
    Code(
        "quote-amount",
        ERROR,
        "Quote amount ≠ list × discount",
        "`amount` must equal `list_amount` × (1 − `discount_pct`/100) to the cent.",
    ),
    Code(
        "receivables-sum",
        ERROR,
        "Receivables do not sum to the contract",
        "The receivables of a contract (cancelled rows left out) must sum to its amount.",
    ),
    Code(
        "collected-mismatch",
        ERROR,
        "Collected amount ≠ payments",
        "A receivable's `collected_amount` must equal the sum of its payments.",
    ),
    Code(
        "overpayment", ERROR, "Overpayment", "More was collected on a receivable than its amount."
    ),
    Code(
        "non-positive-amount",
        ERROR,
        "Payment amount not positive",
        "A payment amount must be above zero.",
    ),
    Code(
        "payment-date",
        ERROR,
        "Payment dated before its invoice or after today",
        "A payment's `received_on` is before its receivable's `invoiced_on`, or after today.",
    ),
    Code(
        "status-amount",
        ERROR,
        "Status inconsistent with amounts",
        "The receivable's status does not match what was collected (paid with money outstanding, "
        "partially paid with nothing or everything collected, invoiced with money collected).",
    ),
    Code(
        "status-date",
        ERROR,
        "Status without its date",
        "A record is in a state whose date is empty (won/lost without `closed_on`, "
        "shipped without `shipped_on`, invoiced without `invoiced_on`…).",
    ),
    Code(
        "date-order",
        ERROR,
        "Dates out of order",
        "Two dates of one record are in the wrong order (quote_date ≤ valid_until, "
        "shipped ≤ delivered ≤ accepted, triggered ≤ invoiced ≤ due date…).",
    ),
    Code(
        "won-amount",
        ERROR,
        "Won amount differs from the contract",
        "A won opportunity's `amount` is not the amount of its signed contracts (signing sets it, so "
        "the won amount and bookings agree).",
    ),
    Code(
        "hand-edit-gate",
        ERROR,
        "Stage changed by hand past a gate",
        "A stage or status was changed in the spreadsheet to a state `advance` would refuse on that "
        "day (a gate unmet, a final state left, a state only its own command sets). Every unmet "
        "condition is named; the error stays until the gate holds or the stage is put back.",
    ),
    Code(
        "hand-edit-fixed",
        ERROR,
        "Fixed field changed by hand",
        "A signed contract's amount or terms, an approved quote's amounts, or a payment was changed (or a "
        "payment added) in the spreadsheet; the message names the command that does it properly. The "
        "error stays until the value is put back.",
    ),
    Code(
        "hand-deleted",
        ERROR,
        "Deleted row still referred to",
        "A record was deleted in the spreadsheet while other records still refer to it; they are named.",
    ),
    Code(
        "bad-target",
        ERROR,
        "Target does not fit its scope or metric",
        "A company target names someone in `who`, a team or rep target names no one, a count "
        "(new_leads, won_count) is not a whole number, or an amount is below zero.",
    ),
    Code(
        "duplicate-target",
        ERROR,
        "Duplicate target",
        "Two targets for the same period, scope, team or rep, and metric; it would count twice.",
    ),
    # ------------------------------------------------------------ warnings
    Code(
        "lost-without-reason",
        WARNING,
        "Lost without a reason",
        "A lost opportunity has no `lost_reason`.",
    ),
    Code(
        "unknown-owner",
        WARNING,
        "Person unknown to reps",
        "An `owner` (or another column naming a person: `sr`, `fr`, an activity's `by`, "
        "`approved_by`, `reviewer`, a rep's `manager`, a rep target's `who`) is neither a "
        "`rep_id` nor a rep's `name` in reps.",
        "both",
    ),
    Code(
        "unknown-team",
        WARNING,
        "Team unknown to reps",
        "A team target's `who` is not the `team` of any rep.",
    ),
    Code(
        "quote-past-validity",
        WARNING,
        "Sent quote past its validity",
        "A sent quote's `valid_until` has passed; `salesops sweep` expires it.",
    ),
    Code(
        "not-invoiced",
        WARNING,
        "Triggered but not invoiced",
        "A receivable was triggered more than 30 days ago and is still not invoiced.",
    ),
    # ------------------------------------------------------------ import only
    Code(
        "duplicate-record",
        ERROR,
        "Duplicate record",
        "An imported row matches an existing record (by ID; leads by phone, email or company of "
        "an open lead) or an earlier row; choose --on-duplicate skip or update.",
        "import",
    ),
    Code(
        "ambiguous-ref",
        ERROR,
        "Ambiguous reference",
        "A name given as a reference matches several records; give the ID instead.",
        "import",
    ),
    Code(
        "ignored-column",
        WARNING,
        "Ignored column",
        "A column of the imported file maps to no field and is not a user column of the register; "
        "map it with --map SRC=FIELD or add the header to the register to keep it.",
        "import",
    ),
)

CATALOGUE: dict[str, Code] = {c.code: c for c in CODES}


def title(code: str) -> str:
    """The title of `code` (the code itself when it is not catalogued)."""
    entry = CATALOGUE.get(code)
    return entry.title if entry else code


def codes(scope: str = "validate") -> list[str]:
    """The codes emitted by `validate` (scope "validate") or `import` (scope "import")."""
    return [c.code for c in CODES if c.scope in (scope, "both")]


def reference_markdown() -> str:
    """The error reference of the docs, generated from the catalogue."""
    lines = ["| code | severity | title | meaning |", "| --- | --- | --- | --- |"]
    for c in CODES:
        lines.append(f"| `{c.code}` | {c.severity} | {c.title} | {c.description} |")
    return "\n".join(lines) + "\n"
