"""Helpers shared by test folders (and the benchmarks): ``from kits.waiting import wait_for``.

``tests/`` is on ``sys.path`` through ``pythonpath`` in pyproject.toml, so this package imports
the same way from any folder, unlike a folder's own ``*_kit.py`` module.
"""
