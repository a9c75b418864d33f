"""The single-query permission backend answers what Django's ModelBackend answers."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from crisis_api.auth.backends import SingleQueryPermissionBackend


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)  # no permission cache


@pytest.mark.parametrize("role", ["viewer", "responder", "manager", None])
def test_the_same_permissions_as_djangos_backend(make_user, role, django_assert_num_queries):
    user = make_user(role)
    # A permission of the user's own, one its role also gives, and one no role gives.
    for codename in ("view_incident", "delete_permission"):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    expected = ModelBackend().get_all_permissions(fresh(user))
    assert "auth.delete_permission" in expected
    user = fresh(user)
    with django_assert_num_queries(1):
        assert SingleQueryPermissionBackend().get_all_permissions(user) == expected
    assert SingleQueryPermissionBackend().get_all_permissions(user) == expected  # cached


def test_superusers_have_every_permission_and_inactive_users_none(make_user):
    superuser = get_user_model().objects.create_superuser("root", password="x")
    every = SingleQueryPermissionBackend().get_all_permissions(superuser)
    assert len(every) == Permission.objects.count()
    inactive = make_user("manager")
    inactive.is_active = False
    assert SingleQueryPermissionBackend().get_all_permissions(inactive) == set()


def test_a_tokens_permissions_are_read_afresh_on_every_request(make_user, client_for):
    """A role changed between two requests holds for the second."""
    from crisis_api.auth.roles import user_set_role

    user = make_user("viewer")
    client = client_for(user)
    body = {"title": "Rumeur sur un rappel de produit"}
    refused = client.post("/api/v1/incidents/", body, format="json")
    assert refused.status_code == 403, refused.content
    assert refused["Content-Type"].startswith("application/problem+json")
    user_set_role(user=user, role="responder")
    assert client.post("/api/v1/incidents/", body, format="json").status_code == 201
    user.groups.clear()
    assert client.get("/api/v1/incidents/").status_code == 403
