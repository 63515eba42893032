"""`python -m letters` runs the command line."""

from .app.cli import main

main()
