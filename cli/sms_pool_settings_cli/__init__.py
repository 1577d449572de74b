"""``sms-pool-settings``: the operations CLI of the ``PoolSettings`` construct (drift, status, local).

Every AWS call is in ``aws.py``; reading a deployed stack into reports is ``stacks.py``; the pure
parts (comparison, template fallback, formatting) are ``template.py`` and ``report.py``.
"""

from sms_pool_settings_cli.main import main

__all__ = ["main"]
