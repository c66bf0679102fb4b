"""``python -m convtext`` runs the command line."""

from .cli import main

main()
