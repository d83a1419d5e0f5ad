"""One module per API resource; each wraps `Transport` calls and returns typed objects."""
