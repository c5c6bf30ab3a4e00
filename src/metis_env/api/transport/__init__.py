"""Transports: the seam (`base`) and one module per WebSocket library."""
