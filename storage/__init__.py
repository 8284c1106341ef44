"""Blob storage: one async interface (`BlobStore`) with filesystem and S3 backends."""

from storage.base import (
    BlobError,
    BlobInfo,
    BlobNotFound,
    BlobStore,
    BlobStoreUnavailable,
    BlobTooLarge,
)
from storage.filesystem import FilesystemBlobStore
from storage.s3 import S3BlobStore

__all__ = [
    "BlobError",
    "BlobInfo",
    "BlobNotFound",
    "BlobStore",
    "BlobStoreUnavailable",
    "BlobTooLarge",
    "FilesystemBlobStore",
    "S3BlobStore",
]
