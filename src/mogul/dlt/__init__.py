"""mogul.dlt: ChartMogul as a dlt source (`pip install "mogul[dlt]"`; docs/warehouses.md).

import dlt
from mogul.dlt import chartmogul_source

pipeline = dlt.pipeline("chartmogul", destination="duckdb", dataset_name="chartmogul_data")
pipeline.run(chartmogul_source(start_date="2023-01-01T00:00:00Z"))
"""

from ..source import ConfigError
from .shared_read import ChartMogulReadError
from .source import chartmogul_source, columns

__all__ = ["ChartMogulReadError", "ConfigError", "chartmogul_source", "columns"]
