"""考核评价 / 打分排队: the score sheet, its periods, the inspection groups' points and the ranking."""
