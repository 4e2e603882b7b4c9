"""hot.utils."""
