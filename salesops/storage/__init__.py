"""Storage: reading registers, the workspace lock, and the one atomic commit path."""
