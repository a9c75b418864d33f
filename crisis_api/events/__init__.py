"""Writing and verifying the event log."""
