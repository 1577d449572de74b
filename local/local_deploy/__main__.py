"""``python -m local_deploy``: see ``cli.py``."""

from local_deploy.cli import main

main()
