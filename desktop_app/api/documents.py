"""GraphQL documents the client sends.

All of them are valid against both the Dagster+ subset schema (which the
bundled server implements) and the open-source dagster-webserver schema,
except where a name says otherwise: the asset-node document for the
open-source webserver also asks for metadata entry types the Dagster+ subset
does not declare (notebooks, tables, code references, ...).
"""

from __future__ import annotations

CAPABILITIES = """
query Capabilities {
  __schema {
    queryType { fields { name } }
    mutationType { fields { name } }
  }
}
"""

# The steady-state heartbeat: small on purpose (no permissions per entry).
LOCATION_STATUSES = """
query LocationStatuses {
  locationStatusesOrError {
    __typename
    ... on WorkspaceLocationStatusEntries {
      entries { name loadStatus updateTimestamp versionKey }
    }
    ... on PythonError { message }
  }
}
"""

PERMISSIONS = """
query Permissions {
  permissions { permission value }
}
"""


LOCATION_LOAD_HISTORY = """
query LocationLoadHistory($locationName: String!, $limit: Int!, $cursor: String) {
  locationLoadHistory(locationName: $locationName, limit: $limit, cursor: $cursor) {
    locationName
    codeLocationDataUploadTimestamp
    codeLocationUpdateTriggerTimestamp
    loadStatus
    configDocument
    displayMetadata { key value }
    diffSummary {
      repositoryDiffs {
        repositoryName
        addedAssets { path }
        modifiedAssets { path }
        removedAssets { path }
      }
    }
    error { message className causes { message className } }
  }
}
"""

_ASSET_DIFF_FIELDS = """
    assetKey { path }
    locationName
    codeLocationDataUploadTimestamp
    gitCommitHash
    lastLoadGitCommitHash
    diffSinceLastLoad {
      changeTypes
      changeDiff {
        codeVersion { old new }
        partitionsDefinition { old new }
        dependencies { addedKeys changedKeys removedKeys }
        tags { addedKeys changedKeys removedKeys }
        metadata { addedKeys changedKeys removedKeys }
      }
    }
"""

ASSET_DIFF_HISTORY = f"""
query AssetDiffHistory($assetKey: AssetKeyInput!, $limit: Int!, $cursor: String) {{
  assetDiffHistory(assetKey: $assetKey, limit: $limit, cursor: $cursor) {{{_ASSET_DIFF_FIELDS}  }}
}}
"""


def asset_diff_histories(count: int, limit: int) -> str:
    """The first `limit` entries of `count` assets' change histories in one
    request: aliases `a0`..`a{count-1}` of `assetDiffHistory`, variables
    `$k0`.., sharing a fragment of the single-asset query's fields. The
    limit is written into the document, so a server's cost analysis can
    count the answer's size before running it."""
    variables = ", ".join(f"$k{i}: AssetKeyInput!" for i in range(count))
    fields = "\n".join(
        f"  a{i}: assetDiffHistory(assetKey: $k{i}, limit: {int(limit)}) {{ ...AssetDiffFields }}"
        for i in range(count)
    )
    return (
        f"query AssetDiffHistories({variables}) {{\n{fields}\n}}\n"
        f"fragment AssetDiffFields on AssetDiffHistoryEntry {{{_ASSET_DIFF_FIELDS}}}\n"
    )


_METADATA_COMMON = """
  __typename
  label
  ... on TextMetadataEntry { text }
  ... on IntMetadataEntry { intValue intRepr }
  ... on FloatMetadataEntry { floatValue floatRepr }
  ... on BoolMetadataEntry { boolValue }
  ... on JsonMetadataEntry { jsonString }
  ... on UrlMetadataEntry { url }
  ... on PathMetadataEntry { path }
  ... on MarkdownMetadataEntry { mdStr }
  ... on TimestampMetadataEntry { timestamp }
"""

# Types only the open-source schema (and full Dagster+) declares.
_METADATA_OSS_ONLY = """
  ... on NotebookMetadataEntry { path }
  ... on PythonArtifactMetadataEntry { module name }
  ... on PipelineRunMetadataEntry { runId }
  ... on AssetMetadataEntry { assetKey { path } }
  ... on JobMetadataEntry { jobName repositoryName locationName }
  ... on PoolMetadataEntry { pool }
  ... on TableSchemaMetadataEntry { schema { columns { name type description } } }
  ... on TableMetadataEntry { table { records schema { columns { name type } } } }
  ... on TableColumnLineageMetadataEntry {
    lineage { columnName columnDeps { assetKey { path } columnName } }
  }
  ... on CodeReferencesMetadataEntry {
    codeReferences {
      __typename
      ... on LocalFileCodeReference { filePath lineNumber label }
      ... on UrlCodeReference { url label }
    }
  }
"""

_LOCATION_ENTRY = """
query LocationEntry($locationName: String!) {
  workspaceLocationEntryOrError(name: $locationName) {
    __typename
    ... on WorkspaceLocationEntry {
      name
      loadStatus
      updatedTimestamp
      versionKey
      displayMetadata { key value }
      locationOrLoadError {
        __typename
        ... on PythonError {
          message
          className
          causes { message className }
          errorChain { isExplicitLink error { message className } }
        }
        ... on RepositoryLocation {
          name
          repositories {
            name
            assetNodes {
              assetKey { path }
              opVersion
              description
              tags { key value }
              metadataEntries { ...MetadataEntryFields }
              dependencyKeys { path }
              partitionDefinition {
                type
                name
                description
                fmt
                dimensionTypes { name type description dynamicPartitionsDefinitionName }
              }
            }
          }
        }
      }
    }
    ... on PythonError { message }
  }
}
"""

LOCATION_ENTRY_PLUS = (
    _LOCATION_ENTRY + "\nfragment MetadataEntryFields on MetadataEntry {" + _METADATA_COMMON + "}\n"
)
LOCATION_ENTRY_OSS = (
    _LOCATION_ENTRY
    + "\nfragment MetadataEntryFields on MetadataEntry {"
    + _METADATA_COMMON
    + _METADATA_OSS_ONLY
    + "}\n"
)

ADD_OR_UPDATE_LOCATION = """
mutation AddOrUpdateLocation($document: GenericScalar!) {
  addOrUpdateLocationFromDocument(document: $document) {
    __typename
    ... on WorkspaceEntry { locationName }
    ... on PythonError { message }
    ... on UnauthorizedError { message }
    ... on InvalidLocationError { message errors }
  }
}
"""

RELOAD_LOCATION = """
mutation ReloadLocation($locationName: String!) {
  reloadRepositoryLocation(repositoryLocationName: $locationName) {
    __typename
    ... on WorkspaceLocationEntry { name loadStatus updatedTimestamp versionKey }
    ... on ReloadNotSupported { message }
    ... on RepositoryLocationNotFound { message }
    ... on UnauthorizedError { message }
    ... on PythonError { message }
  }
}
"""


# The heartbeat of every round: location statuses plus who we are, in one
# request, so a role changed on the server shows within one round.
_STATUS_SELECTION = """
  locationStatusesOrError {
    __typename
    ... on WorkspaceLocationStatusEntries {
      entries { name loadStatus updateTimestamp versionKey }
    }
    ... on PythonError { message }
  }
"""
_IDENTITY_SELECTION = """
  identity {
    viewer { email }
    currentDeployment { deploymentId deploymentName }
    permissions { permission value }
  }
  permissions { permission value }
"""
_USERS_SELECTION = """
  usersOrError {
    __typename
    ... on DagsterCloudUsersWithScopedPermissionGrants {
      users {
        user { email }
        organizationPermissionGrant { grant deploymentId }
        deploymentPermissionGrants {
          grant
          deploymentId
          locationGrants { locationName grant }
        }
      }
    }
    ... on UnauthorizedError { message }
    ... on PythonError { message }
  }
"""

# Who we are alone (with and without the user list), from the same selections.
IDENTITY = "query Identity {" + _IDENTITY_SELECTION + _USERS_SELECTION + "}\n"
IDENTITY_ONLY = "query IdentityOnly {" + _IDENTITY_SELECTION + "}\n"
HEARTBEAT = "query Heartbeat {" + _STATUS_SELECTION + _IDENTITY_SELECTION + _USERS_SELECTION + "}\n"
HEARTBEAT_NO_USERS = "query HeartbeatNoUsers {" + _STATUS_SELECTION + _IDENTITY_SELECTION + "}\n"
HEARTBEAT_OSS = (
    "query HeartbeatPermissions {" + _STATUS_SELECTION + "  permissions { permission value }\n}\n"
)
