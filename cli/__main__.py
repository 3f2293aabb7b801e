"""`python -m cli`: the same entry point as the `labscope` script."""

from cli import main

main()
