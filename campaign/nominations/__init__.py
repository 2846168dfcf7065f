"""典型培树: nominations recommended up the tree, and (votes/) the public votes held on them."""
