"""Deadlines that warn before they break: the rules (`rules`) and the writes (`services`)."""
