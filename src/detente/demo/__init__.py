"""The two-node demonstration: US and CN nodes on loopback with a scripted exchange."""
