"""工作部署 / 督办件: tasks an organization sends down its subtree, and the returns."""
