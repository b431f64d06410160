"""The AZ checksum: the spec's, and the variant a Chinese vendor's (dp2) terminals send.

Spec (SIP2 2.00, "error detection"): add the bytes of the message as sent, from the first
character of the code up to and including the characters ``AZ``; the checksum is the two's
complement of the low 16 bits of that sum, written as 4 upper-case hex digits. A frame is
valid when the byte sum plus the checksum is 0 modulo 0x10000.

dp2 variant, checked on the four dp2 rows of ``shared/data/sip2/sip2_checksum_vectors.tsv``
(all four match, none of the other readings tried does): the same two's complement, but of
the sum of the Unicode code points of the decoded text (not the bytes), and the sum stops
before the trailer ``|AY<n>AZ``, leaving out the delimiter in front of ``AY`` as well.
"""

from __future__ import annotations

SPEC = "spec"
VENDOR = "vendor"


def spec_checksum(prefix: bytes) -> str:
    """Checksum of ``prefix``: the wire bytes from the code through ``AZ``."""
    return f"{-sum(prefix) & 0xFFFF:04X}"


def spec_valid(prefix: bytes, checksum: str) -> bool:
    """True when ``checksum`` (4 hex digits, any case) validates ``prefix`` per spec."""
    return (sum(prefix) + int(checksum, 16)) & 0xFFFF == 0


def vendor_checksum(text: str) -> str:
    """dp2's checksum of ``text``: the message text before ``|AY<n>AZ`` (the delimiter in
    front of AY already removed)."""
    return f"{-sum(map(ord, text)) & 0xFFFF:04X}"
