"""Search of documents and records in Vietnamese: an inverted index of folded terms."""
