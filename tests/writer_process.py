"""A writer process for tests/test_csvio.py's concurrent appends: it imports only the CSV code (not conftest, which
loads torchvision), so four of them start in well under a second."""

from __future__ import annotations

from collect.contract.csvio import append_records, results_path


def append_one_by_one(folder, env: str, records, ready) -> None:
    """Wait until every writer has started, then append `records` one call each, as runs finishing together do."""
    ready.wait(60)
    for record in records:
        append_records(results_path(folder, env), [record])
