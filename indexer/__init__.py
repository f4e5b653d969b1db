"""Search engines behind one interface, and the outbox worker that feeds them."""
