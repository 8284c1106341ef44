"""The bench's scenarios, in the order they run. Each measures its figures and, in the same run,
the raw limit of the part underneath, and answers table rows and notes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Options:
    quick: bool = False  # small counts: checks the bench itself runs, figures mean little
    with_100k: bool = False  # the page row at 100,000 documents too (minutes on FerretDB)

    def scale(self, full: int, quick: int) -> int:
        return quick if self.quick else full


def all_scenarios() -> dict[str, object]:
    from bench.scenarios import (
        audit,
        create,
        files,
        issue_latency,
        issue_rate,
        pages,
        records,
        search,
        workflows,
    )

    return {
        "create": create.run,
        "issue-rate": issue_rate.run,
        "issue-latency": issue_latency.run,
        "pages": pages.run,
        "files": files.run,
        "audit": audit.run,
        "records": records.run,
        "workflows": workflows.run,
        "search": search.run,
    }
