"""hot.assets."""
