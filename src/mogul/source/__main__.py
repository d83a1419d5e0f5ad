from ..process import source_chartmogul

source_chartmogul()
