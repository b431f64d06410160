"""``libcity simulate``: synthetic demand replayed on the demo city, in memory, to compare
hold policies (see ``engine``)."""
