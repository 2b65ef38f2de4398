"""Helpers the checks share; not checks themselves (the registry skips this package)."""
