"""provisioners."""
