"""Every Beanie document model of the service, registered in one place.

`connect_database` registers this list with Beanie at start and creates each model's indexes.
"""

from __future__ import annotations

from beanie import Document

from core.audit.models import AuditChainMark, AuditEvent
from core.documents.models import (
    CustomDocumentType,
    DocumentRevision,
    FileVersion,
    StoredDocument,
)
from core.extraction.models import FileText, TextClaim, TextWaiting
from core.identity.models import ApiToken, ServiceSecret, SignInSession, User
from core.numbering.models import PrintedNumber, RegisterEntry, RegisterHint
from core.records.list_models import RecordList, RecordListRevision
from core.records.models import (
    FilingMark,
    FilingSlot,
    Membership,
    RecordRevision,
    WorkRecord,
)
from core.signatures.models import SignatureVerification
from core.workflows.models import OpinionAnswer, OpinionRequest

DOCUMENT_MODELS: list[type[Document]] = [
    StoredDocument,
    DocumentRevision,
    FileVersion,
    CustomDocumentType,
    RegisterEntry,
    RegisterHint,
    PrintedNumber,
    User,
    SignInSession,
    ApiToken,
    ServiceSecret,
    AuditEvent,
    AuditChainMark,
    RecordList,
    RecordListRevision,
    WorkRecord,
    RecordRevision,
    Membership,
    FilingSlot,
    FilingMark,
    OpinionRequest,
    OpinionAnswer,
    SignatureVerification,
    FileText,
    TextWaiting,
    TextClaim,
]
