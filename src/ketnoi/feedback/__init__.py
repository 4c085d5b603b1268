"""What the public says about open data: comments, error reports and dataset requests (Plan II.8)."""
