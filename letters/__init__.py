"""letters: a neural network's weights and biases, made visible on A, B and C.

Layers, each importing only those before it: `alphabet` (the letters as named strokes) -> `inputs`
(reading images, the one preprocessing) -> `drawing` (the generator) -> `network` (the model, training,
checkpoints, prediction) -> `study` (what the units do, the text's example, the experiments) -> `show`
(every table, picture, page and sentence) -> `app` (the command line, the demo, the draw pad).
"""

__version__ = "0.2.0"
