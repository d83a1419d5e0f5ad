from .process import mogul

mogul()
