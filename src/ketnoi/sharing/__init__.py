"""Data sharing services (Decree 47 arts. 23-45): the registry, and later the gateway in front of them."""
