"""`citewatch serve` never replaces a deployment it did not create, and pauses its schedule when
it stops (flows/served.py), on the session's real Prefect API."""

from __future__ import annotations

import pytest

from citewatch.errors import ConfigError
from flows.served import FLOW_NAME, SERVE_TAG, pause_served, refuse_foreign


@pytest.fixture
def client(prefect_harness):
    from prefect import get_client

    with get_client(sync_client=True) as client:
        yield client


def _deployment(client, name: str, **fields):
    from prefect.exceptions import ObjectNotFound

    try:
        client.delete_deployment(client.read_deployment_by_name(f"{FLOW_NAME}/{name}").id)
    except ObjectNotFound:
        pass
    flow_id = client.create_flow_from_name(FLOW_NAME)
    return client.create_deployment(flow_id=flow_id, name=name, entrypoint="flows.verify.verify_registries",
                                    **fields)


def test_serve_refuses_the_name_of_a_work_pool_deployment(client):
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists

    try:
        client.create_work_pool(WorkPoolCreate(name="citewatch", type="process"))
    except ObjectAlreadyExists:
        pass
    _deployment(client, "scheduled", work_pool_name="citewatch", tags=["citewatch"])

    with pytest.raises(ConfigError) as refused:
        refuse_foreign(client, "scheduled")

    assert "work pool 'citewatch'" in str(refused.value) and "--name" in str(refused.value)
    refuse_foreign(client, "a-name-nobody-uses")  # a free name is fine


def test_serve_refuses_a_deployment_without_its_tag_and_takes_back_its_own(client):
    _deployment(client, "someone-elses")
    with pytest.raises(ConfigError, match="other than `citewatch serve`"):
        refuse_foreign(client, "someone-elses")
    _deployment(client, "served-before", tags=[SERVE_TAG])
    refuse_foreign(client, "served-before")  # serve replaces what an earlier serve made


def test_stopping_serve_pauses_its_schedule_and_only_its_own(client):
    served = _deployment(client, "served-here", tags=[SERVE_TAG])
    other = _deployment(client, "not-served", tags=["citewatch"])

    assert pause_served(client, "served-here") is True
    assert pause_served(client, "not-served") is False
    assert pause_served(client, "never-existed") is False

    assert client.read_deployment(served).paused is True
    assert client.read_deployment(other).paused is False


def test_the_serve_command_refuses_before_serving(client, monkeypatch, tmp_path):
    """The command itself checks the server first: nothing is served under a foreign name."""
    from prefect.settings import PREFECT_API_URL

    from flows.cli_verify import _serve

    _deployment(client, "taken")
    monkeypatch.setenv("PREFECT_API_URL", PREFECT_API_URL.value())  # _serve sets it; restored after
    with pytest.raises(ConfigError, match="verify-registries/taken"):
        _serve("taken", "0 6 * * *", {"registry_paths": []}, PREFECT_API_URL.value())
    assert client.read_deployment_by_name(f"{FLOW_NAME}/taken").tags == []  # left as it was
