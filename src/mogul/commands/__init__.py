"""Subcommands of `mogul`, one module each; `cli.py` assembles them."""
