"""Applies declared settings to an AWS End User Messaging SMS pool (CloudFormation custom resource)."""
