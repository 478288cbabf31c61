"""Commands: init (being written)."""
