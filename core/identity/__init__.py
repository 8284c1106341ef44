"""Who is calling: hoso's users and their roles per unit, and how a caller proves who they are."""
