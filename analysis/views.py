"""Views analysts ask for: daily stars, contributor growth, organisation rollups, downloads over time."""
