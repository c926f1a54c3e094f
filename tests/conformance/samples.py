# Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
"""Payloads shared by both roles: sizes, UTF-8 samples, close codes."""

import wsframe as wf

KiB = 1 << 10
MiB = 1 << 20

# The lengths where the header changes form (RFC 6455 5.2: 7-bit up to
# 125, 16-bit up to 65535, 64-bit above) and the 16 MiB message limit.
FRAME_SIZES = [0, 125, 126, 127, 128, 65535, 65536, 16 * MiB]
LIMIT_SIZES = [64 * KiB, 256 * KiB, 1 * MiB, 4 * MiB, 16 * MiB]
MESSAGE_LIMIT = 16 * MiB

_UNIT = "Hello-µ@ßöäüàá-€-😀-κόσμε-".encode("utf-8")


def text_payload(n):
    """Valid UTF-8 of exactly n bytes with 2-, 3- and 4-byte characters, so
    that any split of it falls inside a character somewhere."""
    reps = _UNIT * (n // len(_UNIT) + 1)
    cut = n
    while cut > 0 and cut < len(reps) and (reps[cut] & 0xC0) == 0x80:
        cut -= 1
    out = reps[:cut] + b"x" * (n - cut)
    assert len(out) == n
    return out


def binary_payload(n, rng):
    return rng.randbytes(n)


def split(payload, parts):
    """payload in `parts` pieces of near-equal size (some empty if parts > len)."""
    n = len(payload)
    bounds = [n * i // parts for i in range(parts + 1)]
    return [payload[bounds[i]:bounds[i + 1]] for i in range(parts)]


UTF8_VALID = [
    ("empty", b""),
    ("ascii", b"Hello, world"),
    ("latin", "Hello-µ@ßöäüàá-UTF-8!!".encode("utf-8")),
    ("kosme", "κόσμε".encode("utf-8")),
    ("first_2byte_U+0080", b"\xc2\x80"),
    ("last_2byte_U+07FF", b"\xdf\xbf"),
    ("first_3byte_U+0800", b"\xe0\xa0\x80"),
    ("last_3byte_U+FFFF", b"\xef\xbf\xbf"),
    ("first_4byte_U+10000", b"\xf0\x90\x80\x80"),
    ("last_4byte_U+10FFFF", b"\xf4\x8f\xbf\xbf"),
    ("before_surrogates_U+D7FF", b"\xed\x9f\xbf"),
    ("after_surrogates_U+E000", b"\xee\x80\x80"),
    ("replacement_U+FFFD", b"\xef\xbf\xbd"),
    ("noncharacter_U+FFFE", b"\xef\xbf\xbe"),
    ("mixed", "a€b😀c\u0800d\U0010fffe".encode("utf-8")),
]

UTF8_INVALID = [
    ("overlong_2byte_slash", b"ab\xc0\xaf"),
    ("overlong_3byte_slash", b"\xe0\x80\xaf"),
    ("overlong_4byte_slash", b"\xf0\x80\x80\xaf"),
    ("overlong_2byte_max", b"\xc1\xbf"),
    ("overlong_3byte_max", b"\xe0\x9f\xbf"),
    ("overlong_4byte_max", b"\xf0\x8f\xbf\xbf"),
    ("overlong_nul", b"\xc0\x80"),
    ("surrogate_U+D800", b"\xed\xa0\x80"),
    ("surrogate_U+DFFF", b"\xed\xbf\xbf"),
    ("surrogate_pair", b"\xed\xa0\x80\xed\xb0\x80"),
    ("above_max_F4_90", b"\xf4\x90\x80\x80"),
    ("above_max_F5", b"\xf5\x80\x80\x80"),
    ("above_max_F7", b"\xf7\xbf\xbf\xbf"),
    ("five_byte_form", b"\xf8\x88\x80\x80\x80"),
    ("six_byte_form", b"\xfc\x84\x80\x80\x80\x80"),
    ("lone_continuation", b"a\x80b"),
    ("byte_FE", b"\xfe"),
    ("byte_FF", b"\xff"),
    ("kosme_then_surrogate", "κόσμε".encode("utf-8") + b"\xed\xa0\x80edited"),
    ("truncated_2byte_at_end", "κόσμ".encode("utf-8") + b"\xce"),
    ("truncated_3byte_at_end", b"abc\xe2\x82"),
    ("truncated_4byte_at_end", b"abc\xf0\x9f\x98"),
    ("truncated_then_ascii", b"\xe2\x82a"),
]

# Samples already invalid as a prefix (not merely unfinished): an endpoint
# can and should fail on them before the message ends (RFC 6455 8.1).
UTF8_FAIL_FAST = [(n, s) for n, s in UTF8_INVALID if not wf.utf8_valid(s, final=False)]

# Codes a peer may send (RFC 6455 7.4.1 and the IANA registry), and codes
# no peer may put in a close frame.
CLOSE_VALID = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999]
CLOSE_INVALID = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]

RESERVED_OPCODES = [3, 4, 5, 6, 7, 11, 12, 13, 14, 15]
RSV_BITS = [(1, wf.RSV1), (2, wf.RSV2), (3, wf.RSV3)]


def self_check():
    """The samples mean what their names say: the suite's own UTF-8
    validator and Python's codec agree on each of them."""
    for name, s in UTF8_VALID:
        s.decode("utf-8")
        assert wf.utf8_valid(s), name
    for name, s in UTF8_INVALID:
        try:
            s.decode("utf-8")
            raise AssertionError("sample %s decodes" % name)
        except UnicodeDecodeError:
            pass
        assert not wf.utf8_valid(s), name
    assert len(UTF8_FAIL_FAST) == len(UTF8_INVALID) - 3  # the three truncated at the end
    for n in (0, 1, 2, 3, 4, 5, 125, 126, 1000):
        text_payload(n).decode("utf-8")


self_check()
