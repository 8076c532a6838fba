"""LINE transport: webhook signatures and event parsing in, the one sender out."""
