"""Hypothesis strategies for core types."""

from __future__ import annotations

from hypothesis import strategies as st

from desktop_app.core.assets import (
    AssetDefinition,
    AssetKey,
    MetadataValue,
    PartitionDimension,
    PartitionsDefinition,
)
from desktop_app.core.loads import LoadStatus, LocationLoad

names = st.sampled_from(["orders", "customers", "raw", "daily", "eu", "us", "x"])
keys: st.SearchStrategy[AssetKey] = st.lists(names, min_size=1, max_size=2).map(tuple)
short_text = st.text(alphabet="abcv12", max_size=3)

metadata_values = st.one_of(
    st.builds(MetadataValue, st.just("Text"), short_text),
    st.builds(MetadataValue, st.just("Int"), st.integers(-(2**40), 2**40)),
    st.builds(MetadataValue, st.just("Bool"), st.booleans()),
    st.builds(MetadataValue, st.just("Null"), st.none()),
    st.builds(
        MetadataValue,
        st.just("Json"),
        st.dictionaries(names, st.integers(0, 3), max_size=2),
    ),
)
partitions = st.one_of(
    st.none(),
    st.builds(
        PartitionsDefinition,
        type=st.sampled_from(["STATIC", "TIME_WINDOW", "MULTIPARTITIONED"]),
        description=short_text,
        dimensions=st.lists(
            st.builds(PartitionDimension, name=names, type=st.just("STATIC")), max_size=2
        ).map(tuple),
    ),
)


@st.composite
def definitions(draw: st.DrawFn, key: AssetKey | None = None) -> AssetDefinition:
    return AssetDefinition(
        key=key if key is not None else draw(keys),
        code_version=draw(st.one_of(st.none(), short_text)),
        tags=draw(st.dictionaries(names, short_text, max_size=3)),
        metadata=draw(st.dictionaries(names, metadata_values, max_size=3)),
        dependencies=draw(st.frozensets(keys, max_size=3)),
        partitions=draw(partitions),
    )


@st.composite
def snapshots(draw: st.DrawFn) -> dict[AssetKey, AssetDefinition]:
    chosen = draw(st.lists(keys, max_size=6, unique=True))
    return {k: draw(definitions(key=k)) for k in chosen}


@st.composite
def histories(draw: st.DrawFn) -> list[LocationLoad]:
    """Newest-first loads drawn from a few versions, so repeats are common."""
    versions = st.sampled_from(
        [("img:1", "aaaaaaa"), ("img:2", "bbbbbbb"), ("img:1", "ccccccc"), (None, None)]
    )
    count = draw(st.integers(0, 12))
    loads = []
    for i in range(count):
        image, commit = draw(versions)
        status = draw(st.sampled_from([LoadStatus.LOADED, LoadStatus.LOADED, LoadStatus.ERROR]))
        loads.append(
            LocationLoad(
                location="loc",
                loaded_at=1000.0 - i,
                status=status,
                document={"location_name": "loc", "image": image, "git": {"commit_hash": commit}},
            )
        )
    return loads
