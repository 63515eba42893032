"""The application: the command line, the demo, the draw pad and its server."""
