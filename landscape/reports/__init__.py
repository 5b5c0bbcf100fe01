"""Results records (JSON lines) and, later, their rendering."""
