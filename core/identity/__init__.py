"""Who is calling and what they may do: accounts, sign-in, API tokens, single sign-on, roles per
unit, and the one authorization policy every service asks (`policy.py`)."""
