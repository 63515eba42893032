#!/usr/bin/env bash
# Rebuild the shipped model, letters/network/assets/letters-mlp.pt, from the shipped recipe (config.SHIPPED:
# `letters train` with no options draws the recipe's glyphs in memory from a fixed seed and trains on them),
# on the CPU so that the same seed gives the same weights, then score it on everything real it never saw
# (fonts, stroke fonts, mouse drawings, scanned handwriting). The generated glyphs are the only training
# data. Wall time on 2 CPU cores: see README.
set -euo pipefail
cd "$(dirname "$0")/.."
letters train --out letters/network/assets/letters-mlp.pt --device cpu --force
python research/eval_real.py
