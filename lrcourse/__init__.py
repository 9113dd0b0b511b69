"""lrcourse: the helper package of an interactive course on learning-rate schedules in PyTorch.

Importing it has no side effects: no seeding, no rcParams, no downloads.
The course's notebooks import what they need from the submodules, for example
``from lrcourse.schedules import lr_curve``.
"""

__version__ = "0.1.0"
