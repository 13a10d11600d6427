"""Understanding what the customer said: normalisation, pinyin matching, negation, numbers, intents."""
