"""What the front line tells us: citizens' "was this helpful", agents' citations and gap reports,
and the zero-result list (the knowledge gaps nobody had to report)."""
