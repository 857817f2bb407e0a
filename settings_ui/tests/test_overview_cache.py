"""The schedules overview reuses a fresh read-back instead of asking Growatt on every page view."""

import pytest
from django.urls import reverse

from plants.models import Device, Plant

pytestmark = pytest.mark.django_db(transaction=True)


def test_overview_reloads_do_not_hit_growatt_again(client, synced_account, growatt_sim):
    plant = Plant.objects.get(account=synced_account, devices__kind=Device.Kind.MIX)
    client.force_login(synced_account.owner)
    url = reverse("settings_ui:schedules", args=[plant.pk])
    before = growatt_sim.stats()["requestsPerEndpoint"]
    assert client.get(url).status_code == 200
    middle = growatt_sim.stats()["requestsPerEndpoint"]
    for _ in range(3):
        assert client.get(url).status_code == 200
    after = growatt_sim.stats()["requestsPerEndpoint"]
    reads = [k for k in middle if "getMixSetParams" in k]
    assert reads, middle
    assert sum(middle[k] for k in reads) == sum(before.get(k, 0) for k in reads) + 1
    assert sum(after[k] for k in reads) == sum(middle[k] for k in reads)
