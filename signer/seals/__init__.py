"""Seal images, handwritten signatures and seal assignments."""
