from desktop_app.core.assets import AssetDefinition, MetadataValue, PartitionsDefinition
from desktop_app.core.diff import ChangeType, apply_diff, diff_snapshots


def _asset(name: str, **kw: object) -> AssetDefinition:
    return AssetDefinition(key=(name,), **kw)  # type: ignore[arg-type]


def test_every_change_type_is_reported():
    old = {
        ("a",): _asset("a", code_version="v1", tags={"team": "x"}),
        ("b",): _asset("b", metadata={"rows": MetadataValue("Int", 1)}),
        ("c",): _asset("c", dependencies=frozenset({("a",)})),
        ("d",): _asset("d", partitions=PartitionsDefinition("STATIC", "a, b")),
        ("gone",): _asset("gone"),
    }
    new = {
        ("a",): _asset("a", code_version="v2", tags={"team": "y"}),
        ("b",): _asset("b", metadata={"rows": MetadataValue("Int", 2)}),
        ("c",): _asset("c", dependencies=frozenset({("b",)})),
        ("d",): _asset("d", partitions=PartitionsDefinition("STATIC", "a, b, c")),
        ("fresh",): _asset("fresh"),
    }
    changes = {c.key: c.change_types for c in diff_snapshots(old, new)}
    assert changes == {
        ("a",): (ChangeType.CODE_VERSION, ChangeType.TAGS),
        ("b",): (ChangeType.METADATA,),
        ("c",): (ChangeType.DEPENDENCIES,),
        ("d",): (ChangeType.PARTITIONS_DEFINITION,),
        ("gone",): (ChangeType.REMOVED,),
        ("fresh",): (ChangeType.NEW,),
    }
    assert apply_diff(old, diff_snapshots(old, new)) == new
