"""The OData v4 pieces the simulators share.

Both BC and Dataverse keep their rows in the store (`store`, `rows`: versions, ETags,
transactions, tombstones for delta links) and answer `$filter`, `$select`, `$orderby`,
`$top` and server-driven paging with `query`, `filter` and `expr`. The BC simulator
serves its API through `engine` with a `dialect` and answers its JSON `$batch` with
`batch`; Dataverse has its own request handling in `sandbox.dataverse`.
"""
