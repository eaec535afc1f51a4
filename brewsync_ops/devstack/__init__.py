"""The local development stack: a Homebrew-like registry (and its catalogue) that tests,
benchmarks and `brewsync demo` use instead of formulae.brew.sh and ghcr.io. Nothing here
reaches the network; every server binds to 127.0.0.1."""
