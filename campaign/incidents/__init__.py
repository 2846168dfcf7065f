"""重大情况报告: the incident register, each kind's reporting limits, 迟报 and 瞒报, and the veto they bring."""
