"""Control characters made visible, so that text from a database (names, statement texts, settings, server
errors) cannot drive the terminal it is printed on: a table named ``ESC[2J`` clears no screen and an OSC
sequence sets no window title."""

from __future__ import annotations

import re

# C0 controls but newline and tab, DEL, and the C1 controls (U+0080–U+009F: CSI, OSC… in 8-bit form).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_NAMED = {"\x1b": "\\e", "\r": "\\r"}


def visible(text: str) -> str:
    r"""`text` with every control character but newline and tab written out: ESC as ``\e``, carriage
    return as ``\r``, the others as ``\xNN``. Idempotent: the result holds no control character.

    >>> visible("t\x1b[2J\x1b]0;owned\x07 x\ty\x9b\x7f")
    't\\e[2J\\e]0;owned\\x07 x\ty\\x9b\\x7f'
    """
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(lambda m: _NAMED.get(m.group(), f"\\x{ord(m.group()):02x}"), text)
