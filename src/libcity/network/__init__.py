"""The network: the org tree of units, their kinds, operators, places, calendars and transport costs."""
