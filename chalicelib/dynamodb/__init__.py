"""DynamoDB implementations of the ``gateway.ports`` repositories."""
