"""The pure domain core: no Django imports, fully typed, tested without a database."""
