"""One module per API resource; each wraps `Requester` calls and returns typed objects."""
