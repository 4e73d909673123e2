"""The pybuilds terminal app (Textual); nothing here is imported by the core or the CLI."""
