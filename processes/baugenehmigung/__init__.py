"""Building permit procedure (Baugenehmigungsverfahren): XBau intake and, later, services and forms."""
