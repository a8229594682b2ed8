"""Personal data of an organisation handed out as one document (GDPR Art. 15/20)."""
