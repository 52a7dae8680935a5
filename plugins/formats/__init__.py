"""Built-in output formats, one module per format family."""
