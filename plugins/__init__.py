"""Built-in isrender plugins: every format and operation, registered through the same hooks
as third-party plugins (``engine.hookspecs``)."""
