"""Built-in region policy data files (see runtime.campaigns.regions)."""
