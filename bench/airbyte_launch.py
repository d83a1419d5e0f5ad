"""Run Airbyte's ChartMogul connector (PyPI `airbyte-source-chartmogul`) on a manifest given as JSON.

The package hard-codes `url_base: https://api.chartmogul.com` in its manifest.yaml; bench/compare_airbyte.py
hands this script a copy with `url_base` pointed at a local `mogul serve`, so the installed files stay as
published. It runs in the connector's own virtualenv (Python 3.10, airbyte-cdk 0.90):

    bench/.venvs/airbyte-source-chartmogul-1.0.13/bin/python bench/airbyte_launch.py MANIFEST.json read --config ...
"""

import json
import sys

from airbyte_cdk.entrypoint import launch
from airbyte_cdk.sources.declarative.manifest_declarative_source import ManifestDeclarativeSource


def main() -> None:
    with open(sys.argv[1]) as file:
        manifest = json.load(file)
    # What the package's SourceChartmogul (a YamlDeclarativeSource) does after reading its YAML.
    launch(ManifestDeclarativeSource(source_config=manifest), sys.argv[2:])


if __name__ == "__main__":
    main()
