"""Forms in the UI: German numbers, values as typed, submissions with row actions, widgets and read-only context."""
