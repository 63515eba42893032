"""The generator: a hand drawing letter templates, rendered with the stroke that made every pixel, and datasets."""
