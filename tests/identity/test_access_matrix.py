"""Who may do what, where: every role, granted in the unit that holds the documents, in its
parent, or in an unrelated unit, or no credential at all, against every action on a unit's
documents, files, register book and types.

The expectations are derived from the role table (core/identity/roles.py) by the rules of the
policy: a unit's things exist only for whoever may read its documents (404 otherwise, for reads and
changes alike); who may read but lacks the action gets 403; a role reaches the units below the one
it is granted in only when it `covers_units_below`. A few cells are also written out by hand
(`SPOT_CHECKS`), so a mistake in the derivation cannot hide behind itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest

from core.identity.roles import BUILTIN_ROLES, Action
from tests.documents.conftest import assert_problem
from tests.identity.people import (
    OTHER,
    OWN,
    PARENT,
    PDF,
    Caller,
    acting,
    anonymous,
    credential_for,
    draft,
    grant,
    incoming_draft,
    listed_ids,
    upload,
)

PLACEMENTS = {"own": OWN, "parent": PARENT, "other": OTHER}


@dataclass
class Scene:
    """What the administrator made in OWN for one caller to act on."""

    document: dict[str, Any]  # an outgoing draft with one file
    file_id: str
    to_issue: dict[str, Any]
    to_register: dict[str, Any]
    to_delete: dict[str, Any]


async def set_scene(admin: httpx.AsyncClient) -> Scene:
    document = await draft(admin, OWN, summary="Về việc kiểm tra quyền truy cập")
    uploaded = await upload(admin, document["id"])
    assert uploaded.status_code == 201, uploaded.text
    return Scene(
        document=document,
        file_id=uploaded.json()[0]["file_id"],
        to_issue=await draft(admin, OWN),
        to_register=await incoming_draft(admin, OWN),
        to_delete=await draft(admin, OWN),
    )


Request = Callable[[Caller, Scene], Awaitable[httpx.Response]]


@dataclass(frozen=True)
class Step:
    """One action against OWN. `needs` is the action the policy asks for; `scope` says how a
    caller who may not is told: `document` and `unit_data` (register book, types) answer 404 to
    whoever may not read the unit's documents, then 403; `unit` (making something new in a unit
    whose existence is public) answers 403."""

    name: str
    needs: str
    scope: str
    success: int
    send: Request


def document_url(scene: Scene, *rest: str) -> str:
    return "/".join([f"/api/v1/documents/{scene.document['id']}", *rest])


async def _read(caller: Caller, scene: Scene) -> httpx.Response:
    return await caller.get(document_url(scene))


async def _list_files(caller: Caller, scene: Scene) -> httpx.Response:
    return await caller.get(document_url(scene, "files"))


async def _download(caller: Caller, scene: Scene) -> httpx.Response:
    return await caller.get(document_url(scene, "files", scene.file_id, "content"))


async def _create(caller: Caller, scene: Scene) -> httpx.Response:
    body = {"unit": OWN, "direction": "outgoing", "type_code": "CV", "summary": "Về việc mới"}
    return await caller.post("/api/v1/documents", json=body)


async def _edit(caller: Caller, scene: Scene) -> httpx.Response:
    body = {"revision": scene.document["revision"], "summary": "Về việc đã sửa"}
    return await caller.patch(document_url(scene), json=body)


async def _upload(caller: Caller, scene: Scene) -> httpx.Response:
    return await upload(caller, scene.document["id"], PDF + b"2")


async def _issue(caller: Caller, scene: Scene) -> httpx.Response:
    return await caller.post(f"/api/v1/documents/{scene.to_issue['id']}/issue")


async def _register(caller: Caller, scene: Scene) -> httpx.Response:
    return await caller.post(f"/api/v1/documents/{scene.to_register['id']}/register")


async def _delete(caller: Caller, scene: Scene) -> httpx.Response:
    return await caller.delete(f"/api/v1/documents/{scene.to_delete['id']}")


async def _registers(caller: Caller, scene: Scene) -> httpx.Response:
    return await caller.get(f"/api/v1/units/{OWN}/registers")


async def _register_book(caller: Caller, scene: Scene) -> httpx.Response:
    return await caller.get(f"/api/v1/units/{OWN}/registers/van-ban-di/{date.today().year}")


async def _types(caller: Caller, scene: Scene) -> httpx.Response:
    return await caller.get("/api/v1/document-types", params={"unit": OWN})


async def _one_type(caller: Caller, scene: Scene) -> httpx.Response:
    return await caller.get(f"/api/v1/document-types/{OWN}/QD")


async def _define_type(caller: Caller, scene: Scene) -> httpx.Response:
    body = {
        "unit": OWN,
        "code": "GXNCT",
        "name": "Giấy xác nhận cư trú",
        "symbol": "GXN",
        "extra_schema": {"type": "object"},
    }
    return await caller.post("/api/v1/document-types", json=body)


A = Action
STEPS = [
    Step("read a document", A.READ_DOCUMENTS, "document", 200, _read),
    Step("list its files", A.READ_DOCUMENTS, "document", 200, _list_files),
    Step("download a file", A.READ_DOCUMENTS, "document", 200, _download),
    Step("create a draft", A.WRITE_DOCUMENTS, "unit", 201, _create),
    Step("edit a draft", A.WRITE_DOCUMENTS, "document", 200, _edit),
    Step("upload a file", A.WRITE_DOCUMENTS, "document", 201, _upload),
    Step("issue an outgoing draft", A.NUMBER_DOCUMENTS, "document", 200, _issue),
    Step("register an incoming draft", A.NUMBER_DOCUMENTS, "document", 200, _register),
    Step("delete a draft", A.WRITE_DOCUMENTS, "document", 204, _delete),
    Step("list the register books", A.READ_REGISTERS, "unit_data", 200, _registers),
    Step("read a register book", A.READ_REGISTERS, "unit_data", 200, _register_book),
    Step("read the document types", A.READ_TYPES, "unit_data", 200, _types),
    Step("read one document type", A.READ_TYPES, "unit_data", 200, _one_type),
    Step("define a document type", A.MANAGE_TYPES, "unit", 201, _define_type),
]


def reaches(role: str, placement: str) -> bool:
    """Whether a grant of `role` in the placement's unit holds in OWN."""
    return placement == "own" or (placement == "parent" and BUILTIN_ROLES[role].covers_units_below)


def may(role: str, placement: str, action: str) -> bool:
    return reaches(role, placement) and action in BUILTIN_ROLES[role].actions


def expected(role: str, placement: str, step: Step) -> int:
    if step.scope != "unit" and not may(role, placement, A.READ_DOCUMENTS):
        return 404
    return step.success if may(role, placement, step.needs) else 403


# Written out by hand from the README's table, not derived.
SPOT_CHECKS = {
    ("clerk", "own", "issue an outgoing draft"): 200,
    ("clerk", "own", "register an incoming draft"): 200,
    ("specialist", "own", "issue an outgoing draft"): 403,
    ("specialist", "own", "list the register books"): 403,
    ("archivist", "own", "create a draft"): 403,
    ("archivist", "own", "download a file"): 200,
    ("leader", "own", "edit a draft"): 200,
    ("leader", "other", "read a document"): 404,
    ("leader", "other", "edit a draft"): 404,
    ("clerk", "parent", "read a document"): 404,
    ("clerk", "parent", "issue an outgoing draft"): 404,
    ("unit_admin", "parent", "read a document"): 200,
    ("unit_admin", "parent", "define a document type"): 201,
    ("unit_admin", "own", "upload a file"): 403,
    ("unit_admin", "other", "define a document type"): 403,
    ("province_admin", "parent", "issue an outgoing draft"): 200,
    ("province_admin", "other", "download a file"): 404,
}


def test_the_spot_checks_agree_with_the_derived_table() -> None:
    by_name = {step.name: step for step in STEPS}
    for (role, placement, name), status in SPOT_CHECKS.items():
        assert expected(role, placement, by_name[name]) == status, (role, placement, name)


@pytest.mark.parametrize("placement", list(PLACEMENTS))
@pytest.mark.parametrize("role", list(BUILTIN_ROLES))
async def test_a_role_may_do_what_its_table_says_where_its_grant_reaches(
    client: httpx.AsyncClient, role: str, placement: str
) -> None:
    scene = await set_scene(client)
    caller = acting(client, await credential_for(client, grant(role, PLACEMENTS[placement])))
    reads = may(role, placement, A.READ_DOCUMENTS)

    # Lists answer 200 to everyone; what they hold is the question.
    every = await listed_ids(caller)
    of_own = await listed_ids(caller, unit=OWN)
    below_parent = await listed_ids(caller, unit=PARENT, subtree="true")
    assert (scene.document["id"] in every) is reads
    assert (scene.document["id"] in of_own) is reads
    assert (scene.document["id"] in below_parent) is reads

    answers = {}
    for step in STEPS:
        response = await step.send(caller, scene)
        answers[step.name] = response
        status = expected(role, placement, step)
        assert response.status_code == status, (step.name, response.text)
        if status in (403, 404):
            assert_problem(response, status)
        spot = SPOT_CHECKS.get((role, placement, step.name))
        assert spot is None or response.status_code == spot, step.name

    # What was refused changed nothing; what was allowed did what it says.
    after = await client.get(document_url(scene))
    edited = answers["edit a draft"].status_code == 200
    assert (after.json()["summary"] == "Về việc đã sửa") is edited
    files = await client.get(document_url(scene, "files"))
    uploaded = answers["upload a file"].status_code == 201
    assert len(files.json()) == (2 if uploaded else 1)
    deleted = await client.get(f"/api/v1/documents/{scene.to_delete['id']}")
    assert deleted.status_code == (404 if answers["delete a draft"].status_code == 204 else 200)
    issued = await client.get(f"/api/v1/documents/{scene.to_issue['id']}")
    numbered = answers["issue an outgoing draft"].status_code == 200
    assert issued.json()["state"] == ("issued" if numbered else "draft")
    if answers["read a document"].status_code == 200:
        assert answers["read a document"].json()["id"] == scene.document["id"]
    if answers["download a file"].status_code == 200:
        assert answers["download a file"].content == PDF


async def test_without_a_credential_every_action_answers_401_telling_how_to_sign_in(
    client: httpx.AsyncClient,
) -> None:
    scene = await set_scene(client)
    nobody = anonymous(client)

    responses = [await step.send(nobody, scene) for step in STEPS]
    responses.append(await nobody.get("/api/v1/documents"))

    for response in responses:
        body = assert_problem(response, 401, "POST /api/v1/auth/login")
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert body["title"] == "Not signed in"
    listed = await listed_ids(client, unit=OWN)
    assert listed == {
        scene.document["id"],
        scene.to_issue["id"],
        scene.to_register["id"],
        scene.to_delete["id"],
    }
    assert (await client.get(document_url(scene))).json()["revision"] == 1
