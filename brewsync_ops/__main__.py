"""`python -m brewsync_ops` == `brewsync`."""

from brewsync_ops.cli import app

app(prog_name="brewsync")
