"""Actions: the solutions, fixes and compensations offered during a crisis, tracked to the end."""
