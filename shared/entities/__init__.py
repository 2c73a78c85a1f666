"""One declarative map per synced entity (`shared.sync.maps.EntityMap`), and the registry."""
