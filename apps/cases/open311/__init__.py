"""Open311 GeoReport v2 at /open311/: the endpoints (views), their JSON and XML (format) and the URLs."""
