"""Reports: the figures a province judges its units by, per unit and rolled up the units tree."""
