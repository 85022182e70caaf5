"""Market segments, suppliers, contracts, supplier matching and concentration."""
