"""hot.assets.hands."""
