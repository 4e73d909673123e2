"""Tests of the terminal app (a package, so its conftest and helpers have their own names)."""
