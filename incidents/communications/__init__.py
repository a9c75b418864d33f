"""Public communications: statements drafted, approved and published about an incident."""
