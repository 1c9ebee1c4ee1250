"""The editor's modal screens, one per module."""
