"""Commands: importer (being written)."""
