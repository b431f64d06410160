"""libcity: one library for a whole city."""
