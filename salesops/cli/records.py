"""Commands: records (being written)."""
