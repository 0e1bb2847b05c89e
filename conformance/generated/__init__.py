"""Generated input: the OpenAPI description of the auth endpoints turned into requests, and the
strategies of the property checks.

Schemathesis generates the cases from `specs/spry-auth.openapi.yaml` (valid ones, invalid ones, and
stateful sequences through the description's links); hypothesis drives the generation from a seed
derived from the run's seed, so a seed replays a run.

- `budget`: how deep (`ci`, `certification`), seeds, hypothesis settings for a live target;
- `schema`: the description and its validation of a response;
- `sender`: a case serialised with the configured credentials and sent through the run's Session;
- `campaign`: the fuzzing campaign, run once, every response handed to the checks' rules;
- `strategies`: the fuzzing dictionary and the property checks' value strategies;
- `lifecycle`: the grant-lifecycle model (codes, tokens, refresh tokens) the state machine checks against.
"""
