"""``python -m sms_pool_settings_local.deploy``: the same as ``sms-pool-settings local`` (see ``cli.py``)."""

import sys

from sms_pool_settings_local.deploy.cli import main

sys.exit(main())
