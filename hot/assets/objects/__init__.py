"""hot.assets.objects."""
