#!/usr/bin/env bash
# Rebuild the shipped model, letters/network/assets/letters-mlp.pt, from the shipped recipe (config.SHIPPED:
# `letters train` with no options draws the recipe's glyphs in memory from a fixed seed, trains the network
# and its none-of-the-letters detector on them, and prints each stage's time), on the CPU so that the same
# seed gives the same weights; then score it on the real letters it never saw. The generated glyphs are
# the only training data. Time on 2 CPU cores: README, "The shipped model".
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=letters/network/assets/letters-mlp.pt
letters train --out "$MODEL" --device cpu --force
scored=$SECONDS
letters evaluate data/handwriting --model "$MODEL"
letters evaluate data/real --model "$MODEL" --worst 5
echo "score: $((SECONDS - scored)) s; the whole rebuild: $SECONDS s"
