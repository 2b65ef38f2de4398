"""Index advice: candidate indexes from how statements access tables, merged, then proven by cost."""
