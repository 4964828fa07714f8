"""The embedded local stack: moto server, the Chalice app over HTTP, and an event pump."""
