"""The deployment `citewatch serve` creates, and only that one: serve refuses a name that belongs
to another deployment (the work pool's `verify-registries/scheduled` of prefect.yaml on a shared
server), and pauses its schedule when it stops, so no scheduled run waits for a runner that is gone.

A served deployment is recognised by its tag and by having no work pool (a runner, not a worker,
runs it).
"""

from __future__ import annotations

from citewatch.errors import ConfigError

SERVE_TAG = "citewatch-serve"
FLOW_NAME = "verify-registries"


def refuse_foreign(client, name: str) -> None:
    """Raise ConfigError when ``verify-registries/<name>`` exists and was not made by serve."""
    from prefect.exceptions import ObjectNotFound

    try:
        existing = client.read_deployment_by_name(f"{FLOW_NAME}/{name}")
    except ObjectNotFound:
        return
    if existing.work_pool_name is None and SERVE_TAG in (existing.tags or []):
        return
    owner = (f"the work pool {existing.work_pool_name!r} (prefect deploy)" if existing.work_pool_name
             else "something other than `citewatch serve`")
    raise ConfigError(
        f"the deployment '{FLOW_NAME}/{name}' already exists on this Prefect server and belongs to "
        f"{owner}; serving would replace it. Choose another name with --name, or delete it first "
        f"(prefect deployment delete '{FLOW_NAME}/{name}') if it is a leftover")


def pause_served(client, name: str) -> bool:
    """Pause the schedule of the served deployment (serve stopped); False when it is gone."""
    from prefect.exceptions import ObjectNotFound

    try:
        deployment = client.read_deployment_by_name(f"{FLOW_NAME}/{name}")
        if SERVE_TAG not in (deployment.tags or []):
            return False
        client.pause_deployment(deployment.id)
    except ObjectNotFound:
        return False
    return True
