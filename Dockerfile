# The mogul ChartMogul source as an Airbyte connector image. Build from the repository root:
#   docker build -t mogul/source-chartmogul:0.1.0 .
# Airbyte runs it as `<image> spec|check|discover|read ...`, the same console script as outside Docker.
FROM python:3.11-slim

WORKDIR /airbyte/integration_code
COPY pyproject.toml README.md constraints.txt ./
COPY src ./src
# The base install (client and source) at the versions the tests ran with.
RUN pip install --no-cache-dir -c constraints.txt . \
    # The console script comes from pyproject; the shim keeps the image working if an older checkout lacks it.
    && (command -v source-chartmogul \
        || (printf '#!/bin/sh\nexec python -m mogul.source "$@"\n' > /usr/local/bin/source-chartmogul \
            && chmod +x /usr/local/bin/source-chartmogul))

ENV AIRBYTE_ENTRYPOINT="source-chartmogul"
ENTRYPOINT ["source-chartmogul"]

LABEL io.airbyte.name="mogul/source-chartmogul"
LABEL io.airbyte.version="0.1.0"
