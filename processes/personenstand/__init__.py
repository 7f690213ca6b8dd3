"""Civil status procedures (Personenstandswesen): birth and marriage registration."""
