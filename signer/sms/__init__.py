"""SMS verification codes and their providers."""
