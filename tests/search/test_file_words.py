"""Words found only in a document's file text: thin postings that a change of the document's
state leaves alone, while search still filters and checks readers on the document as it is."""

from __future__ import annotations

from typing import Any

from litestar import Litestar

from core.search import layout
from tests.conftest import concurrent_client
from tests.documents.conftest import PROVINCE, create, issue, outgoing
from tests.identity.people import acting, grant, make_token, upload
from tests.search.helpers import found, store_file_text

PARTIES = ["000.00.05.H25", "000.00.06.H25", "000.00.07.H25"]
TEXT = "Phương án bồi thường tái định cư cho các hộ dân vùng dự án Formosa"


async def with_file_text(app: Litestar, http: Any, document: dict[str, Any], text: str) -> None:
    uploaded = await upload(http, document["id"])
    assert uploaded.status_code == 201, uploaded.text
    await store_file_text(app.state.runtime, document, uploaded.json()[0]["file_id"], text)


async def test_a_step_of_the_document_leaves_its_file_words_alone_and_search_follows_it(
    app: Litestar,
) -> None:
    async with concurrent_client(app) as admin:
        draft = await create(admin, outgoing(summary="Quyết định phê duyệt phương án"))
        await with_file_text(app, admin, draft, TEXT)
        db = app.state.runtime.database.db
        postings = db[layout.postings_collection("formosa")]
        key = layout.posting_key("formosa", "d", PROVINCE, draft["id"])
        thin = await postings.find_one({"_id": key})
        assert thin == {"_id": key, "k": "d", "i": draft["id"], "u": PROVINCE, "f": ["file"]}
        assert await found(admin, "formosa", state="draft") == [draft["id"]]

        issued = await issue(admin, draft["id"])
        assert await postings.find_one({"_id": key}) == thin  # not rewritten
        # A word of the summary is rewritten with the state; a word of the file is not, and
        # yet both find the document as it now is.
        assert await found(admin, "formosa", state="issued") == [draft["id"]]
        assert await found(admin, "formosa", state="draft") == []
        hit = (await admin.get("/api/v1/search", params={"q": "bồi thường formosa"})).json()
        assert hit["items"][0]["state"] == "issued"
        assert hit["items"][0]["number_and_symbol"] == issued["number_and_symbol"]
        assert hit["items"][0]["matched_fields"] == ["file"]

        # Parties asked for an opinion: the words of its fields are written for them (they find
        # it from their unit), the words of its file text are not (thousands of them).
        asked = await admin.post(
            f"/api/v1/documents/{draft['id']}/opinions",
            json={"parties": [{"unit": unit} for unit in PARTIES], "question": "Góp ý?"},
        )
        assert asked.status_code == 201, asked.text
        assert await postings.count_documents({}) == 1
        summary_word = db[layout.postings_collection("phuong")]
        assert await summary_word.count_documents({}) == 1 + len(PARTIES)

        # Restricted after: a colleague without the right no longer finds it by its file words.
        clerk = acting(admin, (await make_token(admin, grant("clerk", PROVINCE)))["token"])
        assert await found(clerk, "formosa") == [draft["id"]]
        current = (await admin.get(f"/api/v1/documents/{draft['id']}")).json()
        changed = await admin.patch(
            f"/api/v1/documents/{draft['id']}",
            json={"access_mode": "restricted", "revision": current["revision"]},
        )
        assert changed.status_code == 200, changed.text
        assert await postings.find_one({"_id": key}) == thin
        assert await found(clerk, "formosa") == []
        assert await found(clerk, "boi thuong") == []

        # Deleted: nothing is found, and its postings are gone.
        other = await create(admin, outgoing(summary="Dự thảo tờ trình"))
        await with_file_text(app, admin, other, "Tờ trình về khu tái định cư Formosa")
        assert set(await found(admin, "formosa")) == {other["id"], draft["id"]}
        gone = await admin.delete(f"/api/v1/documents/{other['id']}")
        assert gone.status_code in (200, 204), gone.text
        assert await found(admin, "formosa") == [draft["id"]]
        other_key = layout.posting_key("formosa", "d", PROVINCE, other["id"])
        assert await postings.find_one({"_id": other_key}) is None
