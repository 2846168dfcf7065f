"""待办提醒: the daily job that puts what is due on each responsible account's home page."""
