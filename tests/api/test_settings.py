"""Turning what a user pastes into a GraphQL endpoint."""

from __future__ import annotations

import pytest

from desktop_app.api.client import ConnectionSettings


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://localhost:3000", "http://localhost:3000/graphql"),
        ("http://localhost:3000/", "http://localhost:3000/graphql"),
        ("localhost:3000", "http://localhost:3000/graphql"),
        ("http://localhost:3000/graphql", "http://localhost:3000/graphql"),
        ("http://localhost:3000/locations/research_loc/assets", "http://localhost:3000/graphql"),
        ("http://host/dagster/overview/activity", "http://host/dagster/graphql"),
        ("https://acme.dagster.cloud/prod", "https://acme.dagster.cloud/prod/graphql"),
        ("https://acme.dagster.cloud/prod/overview", "https://acme.dagster.cloud/prod/graphql"),
        ("https://acme.dagster.cloud/prod/graphql", "https://acme.dagster.cloud/prod/graphql"),
        ("http://127.0.0.1:5555/graphql?x=1", "http://127.0.0.1:5555/graphql"),
    ],
)
def test_graphql_url_from_pasted_address(url, expected):
    assert ConnectionSettings(url=url).graphql_url() == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("acme.dagster.cloud/prod", "https://acme.dagster.cloud/prod/graphql"),
        ("dagster.example.com:3000", "https://dagster.example.com:3000/graphql"),
        ("127.0.0.1:3000", "http://127.0.0.1:3000/graphql"),
        ("[::1]:3000", "http://[::1]:3000/graphql"),
        ("127.example.com", "https://127.example.com/graphql"),
        ("http://dagster.example.com", "http://dagster.example.com/graphql"),
    ],
)
def test_an_address_without_scheme_is_https_unless_loopback(url, expected):
    assert ConnectionSettings(url=url).graphql_url() == expected


@pytest.mark.parametrize("url", ["ftp://host/x", "file:///etc/passwd", "http://"])
def test_other_schemes_are_refused(url):
    with pytest.raises(ValueError, match="Not a deployment address"):
        ConnectionSettings(url=url).graphql_url()


def test_organization_and_deployment():
    settings = ConnectionSettings(organization="acme", deployment="staging")
    assert settings.graphql_url() == "https://acme.dagster.cloud/staging/graphql"
    assert settings.deployment_name() == "staging"


def test_deployment_header_from_cloud_url_only():
    assert ConnectionSettings(url="https://acme.dagster.cloud/prod").deployment_name() == "prod"
    assert ConnectionSettings(url="http://localhost:3000").deployment_name() is None


def test_nothing_to_connect_to():
    with pytest.raises(ValueError, match="URL"):
        ConnectionSettings().graphql_url()
