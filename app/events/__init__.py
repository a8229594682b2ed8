"""The outbox and the event feed: every change, recorded in its own transaction."""
