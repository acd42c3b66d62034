"""The speed paths behind the layers and ops, away from the API."""
