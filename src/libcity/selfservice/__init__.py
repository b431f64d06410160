"""Self-service: the machines readers use without staff. Terminals (kiosks, return sorters, 24-hour
room gates, locker controllers) with their SIP2 settings, the sorters' bins, and the gates'
visit counts. The SIP2 server (``libcity.sip2``) and the API are the interfaces; this room
owns the rules."""
