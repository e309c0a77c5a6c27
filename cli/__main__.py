"""``python -m cli`` runs the ``constitution`` command."""

from cli.app import main

main()
