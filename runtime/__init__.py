"""Runtime: dialog engine, intents, campaigns, compliance, audience, analytics and speech."""
