"""The demo city: a synthetic Guangzhou built through the services, deterministic for a seed."""
