"""The network: the model, its training loop, fitting and checkpoints, the none-of-the-letters detector, prediction."""
