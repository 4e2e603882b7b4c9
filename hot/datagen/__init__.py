"""hot.datagen."""
