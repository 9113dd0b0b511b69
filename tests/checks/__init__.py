"""Tests of lrcourse.checks, one module per checks module (lrcourse/checks/X.py -> tests/checks/test_X.py).

A package, so that test_finder.py here and tests/test_finder.py (the LRFinder) can share a name.
"""
