"""工作进度: the figures rollup (one row per organization and month) and the dashboard drawn from it."""
