"""mogul: a ChartMogul toolkit (compatible API server, typed client, Airbyte source, sync)."""

__version__ = "0.1.0"
