"""Settings every test shares: no test may reach real AWS or read a developer's AWS configuration."""

from offline_env import isolate

isolate()
