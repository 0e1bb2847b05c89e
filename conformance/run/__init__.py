"""One run of the suite: its state, its preflight and its clock (no pytest hooks here)."""
