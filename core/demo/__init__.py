"""`hoso demo`: a demonstration province loaded through the service layer (core.demo.loader)."""
