"""The load benchmark (`make bench`): the spec's load profile, then the ceilings, against a running system.

Modules: `system` starts the system in its production configuration on free
ports, `seed` creates users, events and access tokens through the event
service's ORM, `locustfile` is the HTTP load (open model, run by locust in a
subprocess), `sockets` the asyncio WebSocket fleet, `stages` runs one load
stage and collects its samples, `report` turns samples into the JSON report,
charts and the printed summary; `writes` is the `--writes-only` pipeline run and `create_instructions` the
in-process instruction count of one create (`--create-instructions`).
"""
