"""What every vendor mock shares. Nothing in this package knows a vendor's name."""
