"""pybuilds: browse, install and mirror standalone CPython builds."""

__version__ = "0.1.0"
