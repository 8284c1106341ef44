"""The audit history: every change as an insert-only event, hash-chained per unit."""
