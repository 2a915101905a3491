"""GTM revenue analytics warehouse: generators, loader, warehouse runtime and CLI."""

__version__ = "0.1.0"
