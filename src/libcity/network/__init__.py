"""The network: the tree of units, their kinds, operators, places, calendars, transport costs."""
