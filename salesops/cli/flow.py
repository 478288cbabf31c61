"""Commands: flow (being written)."""
