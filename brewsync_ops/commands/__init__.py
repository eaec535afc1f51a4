"""Command groups of `brewsync`: one module per noun, each registers itself on the root app."""
