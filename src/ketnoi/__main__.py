"""`python -m ketnoi` is the `ketnoi` command."""

from ketnoi.cli import app

app()
