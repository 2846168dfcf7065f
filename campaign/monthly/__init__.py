"""月报: units file the monthly values of the campaign's measured indicators; the office sees who is late."""
