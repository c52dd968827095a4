"""A client whose timeout handler runs after a reply that came in time (client.py), and its fix."""
