"""hot.distill."""
