"""People as records name them: one key per rep however written, and who holds a record.

An owner, an activity's `by` or a claimant may be written as a rep's
`rep_id` or `name`, in any case; `person_key` turns each into the rep's
folded rep_id (text that names no rep stays itself, folded), so "S-000001",
"s-000001" and "张三" are one person. `holding` says who has a record, for
messages about duplicates and the public pool.
"""

from __future__ import annotations

from salesops.core.links import Tables, safe_get
from salesops.i18n import N_, _

IN_POOL = N_("in the public pool")
HELD_BY = N_("held by {owner}")


def holding(owner: str | None) -> str:
    """Who has a record, for messages: "held by 王芳" or "in the public pool"."""
    return _(HELD_BY).format(owner=owner) if owner and str(owner).strip() else _(IN_POOL)


def rep_aliases(tables: Tables) -> dict[str, str]:
    """Folded rep_id and name → folded rep_id, for every rep."""
    reps = tables("reps")
    out: dict[str, str] = {}
    for j in range(len(reps)):
        rid = reps.id_of(j)
        if not rid:
            continue
        key = rid.strip().casefold()
        out.setdefault(key, key)
        name = safe_get(reps, j, "name")
        if name and name.strip():
            out.setdefault(name.strip().casefold(), key)
    return out


def person_key(text: str | None, aliases: dict[str, str]) -> str | None:
    """One key per person however written: a rep's rep_id for a rep_id or name, else the text folded."""
    if not text or not str(text).strip():
        return None
    folded = str(text).strip().casefold()
    return aliases.get(folded, folded)
