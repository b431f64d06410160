"""The SIP2 server (``libcity sip2``): kiosks, 24-hour rooms and return sorters speak SIP2 2.00.
``protocol/`` parses and encodes the wire format; ``server`` runs the connections (asyncio);
``handlers`` answers each message by calling the same services as the desk."""
