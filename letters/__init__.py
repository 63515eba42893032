"""letters: a neural network's weights and biases, made visible on A, B and C.

The package draws the three letters from named strokes (`strokes`, `glyphs`), turns any
image into the network's 28x28 input (`preprocess`), trains a small MLP with an explicit
weight-decay term (`model`, `train`), classifies drawings (`predict`) and measures which
hidden units fire on which strokes (`analysis`). `cli` is the command line.
"""

__version__ = "0.1.0"
