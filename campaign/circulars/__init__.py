"""通报: official documents built from the data, numbered, rendered to PDF in a worker and never changed once issued."""
