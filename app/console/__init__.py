"""The web console: static files only. It is a client like any partner site (it calls
the public API with the user's key); the server serves its files with a strict
Content-Security-Policy and nothing else."""
