"""The question desk (晓苏问答): submission, routing, the one-day clock, answers, review, stats."""
