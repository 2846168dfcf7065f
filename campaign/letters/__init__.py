"""责任书: responsibility letters to unit leaders, with targets from the score sheet, and their year-end assessment."""
