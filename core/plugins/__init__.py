"""The plugin host: discovery, manifests, services, execution of plugin decisions."""
