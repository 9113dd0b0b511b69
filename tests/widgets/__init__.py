"""Tests of lrcourse.widgets, one module per widgets module (lrcourse/widgets/X.py -> tests/widgets/test_X.py).

A package, like tests/checks, so its module names cannot clash with the top-level tests'.
Every test uses the panels' public surface: ``controls``, ``settings()``, ``set()``, ``curve``,
``lines``, ``figure``, ``busy``/``wait()``.
"""
