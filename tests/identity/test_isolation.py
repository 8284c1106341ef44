"""Nothing of another unit leaks: a caller whose roles are all in one unit learns nothing about
another's documents, files, register book, types or people, through any list, filter, URL or
error message. Another unit's document answers exactly as an id that does not exist."""

from __future__ import annotations

from typing import Any

import httpx
from bson import ObjectId

from tests.documents.conftest import assert_problem, issue
from tests.identity.people import (
    OTHER,
    OWN,
    PARENT,
    PDF,
    PROVINCE,
    acting,
    credential_for,
    draft,
    grant,
    incoming_draft,
    listed_ids,
    make_person,
    make_token,
    upload,
)

SECRET_SUMMARY = "Về việc bí mật của huyện Thạch Hà"
OBJECT = {"type": "object"}


async def other_units_things(admin: httpx.AsyncClient) -> dict[str, Any]:
    """In OTHER: an issued document with a file, a registered incoming one, a draft, a type."""
    issued = await draft(admin, OTHER, summary=SECRET_SUMMARY)
    uploaded = await upload(admin, issued["id"])
    assert uploaded.status_code == 201, uploaded.text
    issued = await issue(admin, issued["id"])
    received = await incoming_draft(admin, OTHER, summary=SECRET_SUMMARY)
    registered = await admin.post(f"/api/v1/documents/{received['id']}/register")
    assert registered.status_code == 200, registered.text
    defined = await admin.post(
        "/api/v1/document-types",
        json={"unit": OTHER, "code": "GXNCT", "name": "Giấy xác nhận", "extra_schema": OBJECT},
    )
    assert defined.status_code == 201, defined.text
    return {
        "issued": issued,
        "file_id": uploaded.json()[0]["file_id"],
        "registered": registered.json(),
        "draft": await draft(admin, OTHER, summary=SECRET_SUMMARY),
    }


async def test_a_unit_token_finds_nothing_of_another_unit_in_any_list_or_filter(
    client: httpx.AsyncClient,
) -> None:
    theirs = await other_units_things(client)
    their_ids = {theirs[key]["id"] for key in ("issued", "registered", "draft")}
    ours = await draft(client, OWN, summary=SECRET_SUMMARY)
    ours = await issue(client, ours["id"])
    clerk = acting(client, await credential_for(client, grant("clerk", OWN), grant("leader", OWN)))
    year = theirs["issued"]["issued_date"][:4]

    filters: list[dict[str, Any]] = [
        {},
        {"unit": OTHER},
        {"unit": OTHER, "subtree": "true"},
        {"unit": PROVINCE, "subtree": "true"},
        {"unit": PARENT, "subtree": "true"},
        {"q": "bí mật của huyện Thạch Hà"},
        {"q": "bi mat"},
        {"type": "QD"},
        {"state": "issued"},
        {"state": "registered"},
        {"direction": "incoming"},
        {"date_from": f"{year}-01-01", "date_to": f"{year}-12-31"},
        {"unit": OTHER, "state": "issued", "q": "bi mat", "type": "QD"},
        {"cursor": str(ObjectId())},  # a cursor after everything made so far
    ]
    for params in filters:
        found = await listed_ids(clerk, **params)
        assert not found & their_ids, params
    # The filters work: they do find the caller's own issued document.
    assert await listed_ids(clerk, q="bi mat") == {ours["id"]}
    assert await listed_ids(clerk, unit=PROVINCE, subtree="true", state="issued") == {ours["id"]}
    # And the other unit's answers are those of a unit with nothing in it.
    empty = await clerk.get("/api/v1/documents", params={"unit": OTHER})
    assert empty.json() == {"items": [], "next_cursor": None}


async def test_another_units_document_answers_as_a_missing_id_whatever_is_asked(
    client: httpx.AsyncClient,
) -> None:
    theirs = await other_units_things(client)
    token = await make_token(client, grant("clerk", OWN))
    clerk = acting(client, token["token"])
    missing = str(ObjectId())
    file_id = theirs["file_id"]

    def requests(document_id: str) -> list[tuple[str, str, dict[str, Any]]]:
        base = f"/api/v1/documents/{document_id}"
        files = [("files", ("x.pdf", PDF, "application/pdf"))]
        return [
            ("GET", base, {}),
            ("HEAD", base, {}),
            ("PATCH", base, {"json": {"revision": 1, "summary": "Đổi"}}),
            ("DELETE", base, {}),
            ("POST", f"{base}/issue", {}),
            ("POST", f"{base}/register", {}),
            ("GET", f"{base}/files", {}),
            ("POST", f"{base}/files", {"files": files}),
            ("GET", f"{base}/files/{file_id}", {}),
            ("GET", f"{base}/files/{file_id}/content", {}),
            ("GET", f"{base}/files/{file_id}/content", {"headers": {"Range": "bytes=0-3"}}),
            ("HEAD", f"{base}/files/{file_id}/content", {}),
            ("POST", f"{base}/files/{file_id}/versions", {"files": files}),
        ]

    for key in ("issued", "registered", "draft"):
        their_id = theirs[key]["id"]
        for (method, url, kwargs), (_, missing_url, _) in zip(
            requests(their_id), requests(missing), strict=True
        ):
            answer = await clerk.request(method, url, **kwargs)
            baseline = await clerk.request(method, missing_url, **kwargs)
            assert answer.status_code == baseline.status_code == 404, (method, url, answer.text)
            if method != "HEAD":
                assert answer.json() == _with_id(baseline.json(), missing, their_id), url
            assert answer.headers.get("content-type") == baseline.headers.get("content-type")

    # Nothing was changed by any of it.
    for key in ("issued", "registered", "draft"):
        now = await client.get(f"/api/v1/documents/{theirs[key]['id']}")
        assert now.json()["revision"] == theirs[key]["revision"]
    files = await client.get(f"/api/v1/documents/{theirs['issued']['id']}/files")
    assert [len(item["versions"]) for item in files.json()] == [1]


def _with_id(body: dict[str, Any], missing: str, real: str) -> dict[str, Any]:
    return {
        key: value.replace(missing, real) if isinstance(value, str) else value
        for key, value in body.items()
    }


async def test_another_units_register_book_and_types_do_not_exist_for_the_caller(
    client: httpx.AsyncClient,
) -> None:
    theirs = await other_units_things(client)
    token = await make_token(client, grant("clerk", OWN), grant("unit_admin", OWN))
    caller = acting(client, token["token"])
    register = theirs["issued"]["register_code"]
    year = theirs["issued"]["issued_date"][:4]

    refused = [
        await caller.get(f"/api/v1/units/{OTHER}/registers"),
        await caller.get(f"/api/v1/units/{OTHER}/registers/{register}/{year}"),
        await caller.get("/api/v1/document-types", params={"unit": OTHER}),
        await caller.get(f"/api/v1/document-types/{OTHER}/QD"),
        await caller.get(f"/api/v1/document-types/{OTHER}/GXNCT"),
        await caller.patch(f"/api/v1/document-types/{OTHER}/GXNCT", json={"name": "Đổi tên"}),
    ]

    for response in refused:
        body = assert_problem(response, 404)
        assert SECRET_SUMMARY not in body["detail"]
    unchanged = await client.get(f"/api/v1/document-types/{OTHER}/GXNCT")
    assert unchanged.json()["name"] == "Giấy xác nhận"
    # The same requests about the caller's own unit answer.
    assert (await caller.get(f"/api/v1/units/{OWN}/registers")).status_code == 200
    assert (await caller.get("/api/v1/document-types", params={"unit": OWN})).status_code == 200


async def test_a_unit_administrator_sees_only_the_people_and_tokens_of_its_units(
    client: httpx.AsyncClient,
) -> None:
    await make_person(client, "ours.clerk", grant("clerk", OWN), password=None)
    await make_person(client, "their.clerk", grant("clerk", OTHER), password=None)
    theirs = await make_token(client, grant("clerk", OTHER), name="hệ thống Thạch Hà")
    ours = await make_token(client, grant("clerk", OWN), name="hệ thống Cẩm Bình")
    admin_of_own = await make_token(client, grant("unit_admin", OWN))
    caller = acting(client, admin_of_own["token"])

    people = await caller.get("/api/v1/users")
    tokens = await caller.get("/api/v1/tokens")

    assert people.status_code == 200, people.text
    assert [user["username"] for user in people.json()] == ["ours.clerk"]
    assert {token["id"] for token in tokens.json()} == {ours["id"], admin_of_own["id"]}
    assert_problem(await caller.get("/api/v1/users/their.clerk"), 404)
    missing = assert_problem(await caller.get("/api/v1/users/nobody.here"), 404)
    hidden = assert_problem(await caller.get("/api/v1/users/their.clerk"), 404)
    assert hidden["detail"] == missing["detail"].replace("nobody.here", "their.clerk")
    assert_problem(await caller.get(f"/api/v1/tokens/{theirs['id']}"), 404)
    assert_problem(await caller.delete(f"/api/v1/tokens/{theirs['id']}"), 404)
    assert (await client.get(f"/api/v1/tokens/{theirs['id']}")).json()["revoked_at"] is None
    # A clerk manages nobody: no list of people at all.
    clerk = acting(client, ours["token"])
    assert_problem(await clerk.get("/api/v1/users"), 403)
    me = (await clerk.get("/api/v1/auth/me")).json()
    assert me["grants"] == [{"unit": OWN, "role": "clerk"}]
    assert set().union(*me["actions"].values()) == {OWN}
