"""The `eduwatch` commands: argument parsing and output only (the top floor; no command imports another)."""
