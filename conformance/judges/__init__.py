"""The judges: pure functions from recorded answers to a `Finding` (conformance.findings).

One module per rule family, named as the check module it serves (`test_client_credentials.py`
probes, `judges/client_credentials.py` judges). A judge never sends a request and never raises:
it is named after what it ensures and is tested in memory in tests/judges/.
"""
