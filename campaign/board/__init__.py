"""公开栏: an organization's public notice board, read with no login: its published pledges,
progress and own evaluation result."""
