"""Stories: reports of the same event grouped into one entry."""
