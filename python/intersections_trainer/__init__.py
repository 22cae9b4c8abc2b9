"""Intersection Studio trainer: fine-tunes PaliGemma 2 (or a tiny built-in model) to count
line crossings. Run `python -m intersections_trainer --help`. Events: JSON lines on stdout."""

__version__ = "0.1.0"
