"""``python -m sms_pool_settings_cli``: the same as the ``sms-pool-settings`` console script."""

import sys

from sms_pool_settings_cli.main import main

sys.exit(main())
