"""Hostile targets: the suite must survive servers that misbehave (refuse, hang, flood, redirect, garble)."""
