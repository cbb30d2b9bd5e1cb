"""eduwatch: crawl Chinese education-procurement sites, keep versioned snapshots, alert on changes."""
