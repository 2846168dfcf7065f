"""The pages every role starts from: the home page, the health check and the login lockout page."""
