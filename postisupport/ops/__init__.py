"""Operations: what a command does, as library calls that take options and return data."""
