"""Secrets out of text: passwords in the shapes pgdiag knows (connection keywords, URL parameters and
credentials), and any secret a caller extracted, replaced by ``***``."""

from __future__ import annotations

import re

# Where secrets hide. Generous on purpose: a string libpq cannot parse may still carry a password, and
# redacting a little too much is harmless. Secret keywords: ``password``, ``sslpassword``,
# ``oauth_client_secret``, ``scram_client_key``… (and ``PGPASSWORD`` in text). Keyword values are libpq's:
# quoted with backslash escapes (an unterminated quote runs to the end), or unquoted up to unescaped
# whitespace.
SECRET_KEY = r"(?:\w*password|\w*secret|scram_\w*key)"
KEYWORD_PASSWORD = re.compile(
    rf"(?<![\w?&])({SECRET_KEY}\s*=\s*)('(?:\\[\s\S]|[^'\\])*'?|(?:\\[\s\S]?|[^\s\\])+)", re.IGNORECASE)
QUERY_PASSWORD = re.compile(rf"(?<=[?&])({SECRET_KEY}=)([^&\s]*)", re.IGNORECASE)
# ``scheme://user:password@`` with any scheme and any number of slashes; the password runs to the last
# ``@`` of the word, as a raw ``@`` in it belongs to the password.
URL_PASSWORD = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*:/+[^\s:/@]*:)(\S*)@")
# ``user:password@host`` without a scheme (a URL whose ``postgresql://`` was forgotten), as a word of its own.
BARE_CREDENTIALS = re.compile(r"""((?:^|[\s'"`(=]|(?<![:/])/+)[\w.\-]+:)(?!/)([^\s'"`]*)@(?=[\w.\-\[])""")


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """Replace each secret in `text` by ``***``, and with them any password written in a shape pgdiag knows
    (``password=…`` keywords, ``?password=`` parameters, ``scheme://user:password@``, ``user:password@host``),
    so that text whose secrets nobody extracted (a traceback, an error naming a store path) is safe too.

    >>> redact("no store at postgres:pw@db:5432/x; see https://u:pw@h/ and password=pw", ())
    'no store at postgres:***@db:5432/x; see https://u:***@h/ and password=***'
    """
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            text = text.replace(secret, "***")
    text = KEYWORD_PASSWORD.sub(r"\1***", text)
    text = QUERY_PASSWORD.sub(r"\1***", text)
    text = URL_PASSWORD.sub(r"\1***@", text)
    return BARE_CREDENTIALS.sub(r"\1***@", text)
