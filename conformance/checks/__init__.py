"""The shipped checks: pytest modules named after the flow or rule family they check.

Every check names its requirement (`@requirement("ID")`) and quotes the rule it tests.
Checks are black-box: they never import the reference server, and reach the target only
through the flows and the run's one HTTP session.
"""
