"""HTTP routes, one module per resource. Routes only parse and render; rules live in `store`."""
