"""Built-in operations, one module per concern."""
