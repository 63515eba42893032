"""`python -m letters` runs the command line."""

from .cli import main

main()
