"""Learning from the crisis: the review's metrics snapshot and the search of past lessons."""
