"""The crisis report: the whole story of an incident as one Markdown document."""
