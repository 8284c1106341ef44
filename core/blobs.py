"""Choose the blob store from settings: S3-compatible server, or a directory on disk."""

from __future__ import annotations

from core.settings import Settings
from storage import BlobStore, FilesystemBlobStore, S3BlobStore


def create_blob_store(settings: Settings) -> BlobStore:
    if settings.s3_endpoint:
        return S3BlobStore(
            settings.s3_endpoint,
            settings.s3_access_key,
            settings.s3_secret_key,
            settings.s3_bucket,
            secure=settings.s3_secure,
            region=settings.s3_region,
        )
    return FilesystemBlobStore(settings.blob_dir)


def describe_blob_store(settings: Settings) -> str:
    if settings.s3_endpoint:
        scheme = "https" if settings.s3_secure else "http"
        return f"S3 bucket '{settings.s3_bucket}' at {scheme}://{settings.s3_endpoint}"
    return f"directory {settings.blob_dir}"
