"""``python -m sms_pool_settings_local.deploy``: see ``cli.py``."""

from sms_pool_settings_local.deploy.cli import main

main()
