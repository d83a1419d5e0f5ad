from ..process import tap_chartmogul

tap_chartmogul()
