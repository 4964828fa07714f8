"""AWS adapters and Lambda handler functions around the pure ``gateway`` core."""
