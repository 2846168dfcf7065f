"""Evaluation pages, one module per area: running a round, casting a form, results."""
