"""hot.learning."""
