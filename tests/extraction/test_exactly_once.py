"""Each text is read exactly once across workers, and work a stopped worker left is taken over
once its lease expires; listeners hear of every text written, and a failing one breaks nothing."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from core.extraction.models import FileText, TextClaim, TextStatus, TextWaiting, claim_key
from core.extraction.worker import Extractor
from tests.conftest import concurrent_client
from tests.documents.conftest import create, outgoing
from tests.extraction.helpers import document_with, files_url, pdf_with_text, text_of


class Clock:
    """A clock tests move by hand."""

    def __init__(self, runtime) -> None:
        self.now = runtime.clock()

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


async def _many_pdfs(client, count: int) -> list[str]:
    """`count` documents of one PDF each; their ids."""
    ids = []
    for n in range(count):
        document, _ = await document_with(
            client, (f"qd-{n}.pdf", pdf_with_text(f"Van ban so {n}"), "application/pdf")
        )
        ids.append(document["id"])
    return ids


async def _only_text_id() -> str:
    (text,) = await FileText.find().to_list()
    return text.id


async def test_two_workers_racing_read_each_of_20_texts_once(app):
    async with concurrent_client(app) as client:
        document_ids = await _many_pdfs(client, 20)
        runtime = app.state.runtime
        heard: Counter[str] = Counter()

        async def listener(_runtime, document_id) -> None:
            heard[str(document_id)] += 1

        runtime.text_listeners.append(listener)
        extractors = [Extractor(runtime, name=f"worker-{n}") for n in range(2)]

        written = await asyncio.gather(*(e.drain() for e in extractors))

        read = [text_id for e in extractors for text_id in e.extracted]
        assert sorted(read) == sorted(t.id for t in await FileText.find().to_list())
        assert len(read) == len(set(read)) == 20  # no text read twice
        assert sum(written) == 20
        assert heard == Counter(dict.fromkeys(document_ids, 1))
        assert {t.status for t in await FileText.find().to_list()} == {TextStatus.DONE}
        # Done work leaves neither waiting entries nor leases behind.
        assert await TextWaiting.find().count() == 0
        assert await TextClaim.find().count() == 0


async def test_a_stopped_workers_lease_is_taken_over_once_it_expires(app):
    async with concurrent_client(app) as client:
        document, (pdf,) = await document_with(
            client, ("qd.pdf", pdf_with_text("Tiep quan"), "application/pdf")
        )
        runtime = app.state.runtime
        clock = Clock(runtime)
        text_id = await _only_text_id()
        lease = runtime.settings.text_lease_seconds
        # A worker took the text, then its process ended.
        await TextClaim(
            id=claim_key(text_id, 1),
            text_id=text_id,
            attempt=1,
            worker="dead-worker",
            claimed_at=clock(),
            expires_at=clock() + timedelta(seconds=lease),
        ).insert()
        after_restart = Extractor(runtime, clock=clock, name="after-restart")

        clock.advance(lease - 1)
        assert await after_restart.run_once() == 0  # still held
        assert (await text_of(client, document["id"], pdf["file_id"])).status_code == 409

        clock.advance(2)
        assert await after_restart.run_once() == 1
        assert after_restart.extracted == [text_id]
        answer = (await text_of(client, document["id"], pdf["file_id"])).json()
        assert answer["text"] == "Tiep quan"
        assert await TextClaim.find().count() == 0


async def test_a_file_whose_reading_stopped_too_often_is_marked_failed(app):
    async with concurrent_client(app) as client:
        document, (pdf,) = await document_with(
            client, ("qd.pdf", pdf_with_text("Doc mai khong xong"), "application/pdf")
        )
        runtime = app.state.runtime
        clock = Clock(runtime)
        text_id = await _only_text_id()
        stops = runtime.settings.text_max_attempts
        for attempt in range(1, stops + 1):  # each worker died on it
            await TextClaim(
                id=claim_key(text_id, attempt),
                text_id=text_id,
                attempt=attempt,
                worker=f"worker-{attempt}",
                claimed_at=clock(),
                expires_at=clock(),
            ).insert()
        clock.advance(1)

        assert await Extractor(runtime, clock=clock).run_once() == 1
        answer = (await text_of(client, document["id"], pdf["file_id"])).json()
        assert answer["status"] == "failed"
        assert answer["detail"].startswith(f"Reading this file stopped {stops} times")


async def test_a_lease_given_back_is_not_counted_as_a_stop(app):
    async with concurrent_client(app) as client:
        document, (pdf,) = await document_with(
            client, ("qd.pdf", pdf_with_text("Kho tam thoi loi"), "application/pdf")
        )
        runtime = app.state.runtime
        clock = Clock(runtime)
        text_id = await _only_text_id()
        for attempt in range(1, runtime.settings.text_max_attempts + 1):
            await TextClaim(  # given back: the file store was unreachable each time
                id=claim_key(text_id, attempt),
                text_id=text_id,
                attempt=attempt,
                worker="worker",
                claimed_at=clock(),
                expires_at=clock(),
                released=True,
            ).insert()
        clock.advance(1)

        assert await Extractor(runtime, clock=clock).run_once() == 1
        answer = (await text_of(client, document["id"], pdf["file_id"])).json()
        assert answer["text"] == "Kho tam thoi loi"


async def test_a_slow_worker_whose_lease_was_taken_over_does_not_write_again(app):
    async with concurrent_client(app) as client:
        await document_with(client, ("qd.pdf", pdf_with_text("Cham"), "application/pdf"))
        runtime = app.state.runtime
        clock = Clock(runtime)
        text_id = await _only_text_id()
        slow = Extractor(runtime, clock=clock, name="slow")
        quick = Extractor(runtime, clock=clock, name="quick")
        claim = await slow._claim(text_id)
        assert claim is not None and claim.attempt == 1

        clock.advance(runtime.settings.text_lease_seconds + 1)  # slow is still reading
        assert await quick.run_once() == 1
        assert await slow._extract(claim) is False  # its result is dropped
        assert quick.extracted == [text_id] and slow.extracted == []


async def test_listeners_hear_the_document_and_one_failing_breaks_nothing(app):
    async with concurrent_client(app) as client:
        document, (pdf,) = await document_with(
            client, ("qd.pdf", pdf_with_text("Nghe"), "application/pdf")
        )
        other = await create(client, outgoing())
        runtime = app.state.runtime
        heard: list[str] = []

        async def failing(_runtime, _document_id) -> None:
            raise RuntimeError("the search index is down")

        async def recording(_runtime, document_id) -> None:
            heard.append(str(document_id))

        runtime.text_listeners.extend([failing, recording])
        assert await Extractor(runtime).drain() == 1
        assert heard == [document["id"]]
        assert other["id"] not in heard
        listed = (await client.get(files_url(document["id"]))).json()
        assert listed[0]["text_status"] == "done"
        assert (await text_of(client, document["id"], pdf["file_id"])).json()["text"] == "Nghe"


async def test_an_extractor_stopped_as_it_is_woken_stops(app):
    """A stop that lands as a wake ends the wait must still end the loop (a lost cancel would
    leave it polling forever, and the service's shutdown waiting on it)."""
    async with concurrent_client(app):
        runtime = app.state.runtime
        runtime.settings = runtime.settings.model_copy(update={"text_poll_seconds": 600})
        for _ in range(20):
            extractor = Extractor(runtime)
            extractor.start()
            for _ in range(5):
                await asyncio.sleep(0)  # to its wait
            extractor.wake()
            # A guard against a hang, not a measure of time: stop is at once when it works.
            stopping = asyncio.ensure_future(extractor.stop())
            done, _ = await asyncio.wait({stopping}, timeout=120)
            assert done, "the extractor went on polling after it was stopped"


async def test_an_extractor_stops_cleanly_when_its_caller_was_cancelled_and_starts_again(app):
    """Shutdown runs in the `finally` of a cancelled task (Ctrl-C): stop ends the loop and lets
    the cleanup after it run. Two stops at once both wait for the end; a restart reads again."""
    async with concurrent_client(app):
        runtime = app.state.runtime
        runtime.settings = runtime.settings.model_copy(update={"text_poll_seconds": 600})
        extractor = Extractor(runtime)
        cleaned: list[str] = []

        async def serve() -> None:
            extractor.start()
            try:
                await asyncio.sleep(3600)
            finally:
                await extractor.stop()
                cleaned.append("blobs closed")

        serving = asyncio.ensure_future(serve())
        for _ in range(5):
            await asyncio.sleep(0)
        serving.cancel()
        done, _ = await asyncio.wait({serving}, timeout=120)
        assert done and serving.cancelled() and cleaned == ["blobs closed"]

        extractor.start()
        for _ in range(5):
            await asyncio.sleep(0)
        task = extractor._task
        assert task is not None and not task.done()  # restarted: polling again
        await asyncio.gather(extractor.stop(), extractor.stop())
        assert task.done()
