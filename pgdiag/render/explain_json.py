"""JSON output of ``pgdiag explain``: the document DESIGN §4 specifies (docs/explain.schema.json)."""

from __future__ import annotations

import json

from pgdiag.explain.profile import Profile


def render_explain_json(profile: Profile) -> str:
    """The profile as indented JSON text (standard JSON: no NaN or Infinity)."""
    return json.dumps(profile.document(), indent=2, allow_nan=False) + "\n"
