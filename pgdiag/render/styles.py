"""Terminal styles shared by every rich renderer (scan, explain, history, lint)."""

SEVERITY_STYLES = {"critical": "bold white on red", "high": "bold red", "medium": "yellow", "low": "cyan",
                   "info": "dim"}
