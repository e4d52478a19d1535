"""Settings and the environment the tool runs in: one resolver, one swappable Environment."""
