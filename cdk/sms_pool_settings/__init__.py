"""CDK construct declaring an AWS End User Messaging SMS pool's settings."""
