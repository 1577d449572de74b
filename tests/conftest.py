"""Settings every test shares: no test may reach real AWS or read a developer's AWS configuration."""

from sms_pool_settings_local.offline_env import isolate

isolate()
