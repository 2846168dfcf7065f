"""修改记录: the office's read-only log of every change, from the history tables."""
