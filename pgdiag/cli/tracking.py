"""Options and steps shared by the commands that use the history store (``scan``, ``history``, ``report``)."""

from __future__ import annotations

import sys
from contextlib import contextmanager, nullcontext
from datetime import timedelta
from typing import (
    TYPE_CHECKING,
    Annotated,
    ContextManager,
    Iterator,
    Optional,
    Sequence,
)

import typer

if TYPE_CHECKING:  # the store and the runs pull in pandas and psycopg: not needed to parse the command line
    from pgdiag.core.report import TargetRun
    from pgdiag.history.store import Store

StoreOption = Annotated[Optional[str], typer.Option(
    "--store", envvar="PGDIAG_STORE", show_envvar=True, metavar="PATH|DSN",
    help="History store: an SQLite file, a postgresql:// URL (central store), or 'default' "
         "(~/.local/share/pgdiag/history.sqlite3 on Linux).", show_default=False)]
KeepOption = Annotated[Optional[str], typer.Option(
    "--keep", metavar="PERIOD", help="Delete stored snapshots older than PERIOD (90d, 12w, 36h); "
                                     "each target's latest snapshot always stays.")]
NotifyOption = Annotated[Optional[str], typer.Option(
    "--notify", envvar="PGDIAG_NOTIFY_URL", show_envvar=True, metavar="URL", show_default=False,
    help="POST a short JSON summary ({\"text\": …}, Slack-compatible) to this webhook.")]
TargetFilterOption = Annotated[Optional[str], typer.Option(
    "--target", metavar="NAME", help="Only this target: its name in pgdiag.toml or its host:port/database key.")]


def keep_period(keep: str | None, store: str | None) -> timedelta | None:
    """The retention period; --keep without a store is a usage error."""
    from pgdiag.core.errors import ConfigError
    from pgdiag.history.retention import parse_keep

    if keep is None:
        return None
    if store is None:
        raise ConfigError("--keep needs --store (or PGDIAG_STORE)")
    return parse_keep(keep)


def open_for_scan(spec: str | None) -> ContextManager[Store | None]:
    """The store a scan writes to (created on first use), or nothing without ``--store``."""
    if spec is None:
        return nullcontext()
    from pgdiag.history.store import open_store

    return _closing(open_store(spec, create=True))


def open_for_reading(spec: str | None) -> ContextManager[Store]:
    """The store ``history`` and ``report`` read: ``--store``, else ``PGDIAG_STORE``, else the default file."""
    from pgdiag.history.store import DEFAULT, open_store

    return _closing(open_store(spec or DEFAULT, create=False))


def apply_retention(store: Store, keep: timedelta | None, quiet: bool = False) -> None:
    """Delete snapshots older than `keep` and say how many went (on stderr, so stdout stays for reports),
    unless `quiet` (``--quiet``: nothing but errors)."""
    if keep is None:
        return
    from pgdiag.history.retention import cutoff

    oldest = cutoff(keep)
    removed = store.prune(oldest)
    if removed and not quiet:
        sys.stderr.write(f"pgdiag: retention removed {removed} snapshots collected before "
                         f"{oldest:%Y-%m-%d %H:%M} UTC\n")


def notify(url: str | None, runs: Sequence[TargetRun]) -> None:
    """Post the run's summary to the webhook, when one was given."""
    if url is None:
        return
    from pgdiag.history.notify import post

    post(url, runs)


@contextmanager
def notifying_failure(url: str | None, key: str) -> Iterator[None]:
    """Tell the webhook when the run fails with an error a user can act on (a nightly job must not fail
    silently), then let the error end the command; a webhook that fails too does not mask the error."""
    from pgdiag.core.errors import PgdiagError

    try:
        yield
    except PgdiagError as exc:
        if url is not None:
            from pgdiag.history.notify import post
            from pgdiag.core.report import TargetRun

            try:
                post(url, [TargetRun(key=key, error=str(exc), exit_code=exc.exit_code)])
            except PgdiagError:
                pass
        raise


@contextmanager
def _closing(store: Store) -> Iterator[Store]:
    with store:
        yield store
